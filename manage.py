#!/usr/bin/env python
"""Same as the ``kenesh`` command, for those who expect manage.py."""

from kenesh.cli import main

if __name__ == "__main__":
    main()
