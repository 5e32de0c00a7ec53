"""What the geography app contributes to the platform (kenesh.core.modules)."""

from django.utils.translation import gettext_lazy as _

from kenesh.core.modules import Module, NavEntry, register
from kenesh.core.permissions import Resource

module = register(
    Module(
        label="geo",
        name=_("Territories"),
        resources=(Resource.GEOGRAPHY,),
        nav=(NavEntry(_("Territories"), "unit-list", Resource.GEOGRAPHY, order=60),),
        urls=(("units/", "kenesh.geo.urls"),),
        # The foundation's routers carry their full paths (/units, ...) and mount at the root.
        api_routers=(("", "kenesh.geo.api.router"), ("", "kenesh.geo.basemap.api.router")),
        # The demo's synthetic basemap (settlements and roads near the demo's incidents).
        demo_loader="kenesh.geo.basemap.demo.demo_basemap_load",
    )
)
