"""The demo's basemap: a synthetic layer of settlements and roads near the demo's incidents.

**Synthetic, not a real map**: the settlements carry names of the classifier's villages (and a
few invented ones, among them the pasture villages of the demo's theft clusters, Сары-Булак,
Кара-Суу and Алай-Куу) at invented positions, where the demo's incidents happen; the roads run
along the demo's road incidents. The map labels the layer synthetic. The file was generated
once from the demo's geography (kenesh.incidents.demo) and is loaded as a deployment loads its
own layer, through :func:`kenesh.geo.basemap.services.basemap_load_file`.
"""

from __future__ import annotations

from kenesh.geo.basemap.services import basemap_load_file
from kenesh.geo.services import DATA_DIR

DEMO_BASEMAP = DATA_DIR / "basemap_demo.geojson"
DEMO_LAYER = "demo-synthetic"
DEMO_TITLE = "Synthetic demo basemap (invented positions)"
DEMO_SOURCE = "Kenesh demo, synthetic"


def demo_basemap_load() -> str:
    """Load (or reload, idempotently) the demo's synthetic basemap; the module's demo loader."""
    report = basemap_load_file(
        path=DEMO_BASEMAP,
        layer=DEMO_LAYER,
        title=DEMO_TITLE,
        source=DEMO_SOURCE,
        synthetic=True,
    )
    if not report.written:  # the shipped file is checked by tests; this guards edits to it
        raise ValueError("; ".join(str(error) for error in report.errors) or "empty basemap")
    return f"{report.features} basemap features (synthetic)"
