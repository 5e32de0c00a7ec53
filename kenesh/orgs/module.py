"""What the organisations app contributes to the platform (kenesh.core.modules)."""

from django.utils.translation import gettext_lazy as _

from kenesh.core.modules import Module, NavEntry, register
from kenesh.core.permissions import Resource

module = register(
    Module(
        label="orgs",
        name=_("Organisations"),
        resources=(Resource.ORGANISATIONS,),
        nav=(
            NavEntry(_("Working groups"), "working-group-list", Resource.ORGANISATIONS, order=20),
            NavEntry(_("Organisations"), "organisation-list", Resource.ORGANISATIONS, order=30),
        ),
        urls=(("", "kenesh.orgs.urls"),),
        # The foundation's routers carry their full paths (/organisations, /working-groups).
        api_routers=(("", "kenesh.orgs.api.router"),),
    )
)
