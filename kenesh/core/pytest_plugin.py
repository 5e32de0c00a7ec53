"""Loaded by pytest before Django (``-p kenesh.core.pytest_plugin`` in pyproject.toml).

Tests run with production settings (debug off), so they need a secret key; they talk plain
HTTP to the test client and the live server, so the HTTPS redirect is off. Anything already
set in the environment wins.
"""

import os

os.environ.setdefault("KENESH_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("KENESH_SSL_REDIRECT", "0")
