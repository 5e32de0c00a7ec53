"""Where django-leaflet's static files are, for ``STATICFILES_DIRS`` without installing the app.

Adding ``"leaflet"`` to ``INSTALLED_APPS`` would make the admin's autodiscovery import
``leaflet/admin.py``, which imports GeoDjango and so GDAL, which Kenesh does not need. Only the
static files are used (the hot spot map), served under ``static/leaflet/`` as the app would.
The package is located without importing it (its ``__init__`` reads Django settings).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path


def leaflet_static_dir() -> Path:
    spec = importlib.util.find_spec("leaflet")
    if spec is None or spec.origin is None:
        raise RuntimeError("django-leaflet is not installed")
    return Path(spec.origin).parent / "static" / "leaflet"


#: ``STATICFILES_DIRS = [LEAFLET_STATICFILES]`` serves /static/leaflet/leaflet.js and friends.
LEAFLET_STATICFILES = ("leaflet", str(leaflet_static_dir()))
