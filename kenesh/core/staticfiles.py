"""Static files as production serves them: hashed names, compressed by WhiteNoise, and only
what pages use.

The wheels Kenesh takes Bootstrap, Leaflet, htmx and the API explorer from also carry source
maps, right-to-left and unminified variants and a second API explorer: 64 MB that collectstatic
would compress on every first start (about a minute). ``kenesh serve`` leaves them out
(``UNUSED``, given to collectstatic as ignore patterns); the source-map
comments in the files kept are left as they are (a browser's developer tools then find no map,
nothing else changes).
"""

from __future__ import annotations

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

UNUSED = [
    "*.map",
    "*.rtl.*",
    "*.scss",
    "bootstrap-grid*",
    "bootstrap-reboot*",
    "bootstrap-utilities*",
    "bootstrap.css",
    "bootstrap.js",
    "bootstrap.min.js",
    "bootstrap.bundle.js",
    "bootstrap.esm*",
    "leaflet-src*",
    "redoc*",
    "htmx.js",
    "htmx-2.js",
    "htmx-4*",
    "htmax-4*",
    "hx-*",
    "htmx-2-compat*",
    "jquery*",
]


class KeneshStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's compressed, hashed storage without rewriting source-map references (the
    maps are not collected)."""

    patterns = tuple(
        (extension, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
        for extension, rules in ManifestStaticFilesStorage.patterns
    )
    keep_intermediate_files = False
