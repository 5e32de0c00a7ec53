"""The project's layout: no leftovers of moved code."""

from __future__ import annotations

from pathlib import Path

import kenesh


def test_every_management_commands_package_holds_a_command() -> None:
    """A ``management/commands`` package left empty when its commands moved is only noise."""
    root = Path(kenesh.__file__).parent
    empty = [
        str(package.relative_to(root))
        for package in root.glob("*/management/commands")
        if not [path for path in package.glob("*.py") if path.name != "__init__.py"]
    ]
    assert empty == []
