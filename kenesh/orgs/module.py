"""What the organisations app contributes to the platform (kenesh.core.modules)."""

from django.utils.translation import gettext_lazy as _

from kenesh.core.modules import DashboardPanel, Module, NavEntry, register
from kenesh.core.permissions import Action, Resource

module = register(
    Module(
        label="orgs",
        name=_("Organisations"),
        resources=(Resource.ORGANISATIONS,),
        nav=(
            NavEntry(_("Working groups"), "working-group-list", Resource.ORGANISATIONS, order=20),
            NavEntry(_("Organisations"), "organisation-list", Resource.ORGANISATIONS, order=30),
        ),
        unit_panels=(
            DashboardPanel(
                template="orgs/_unit_panel.html",
                context="kenesh.orgs.selectors.unit_panel",
                resource=Resource.ORGANISATIONS,
                action=Action.READ,
                order=20,
            ),
        ),
        urls=(("", "kenesh.orgs.urls"),),
        # The foundation's routers carry their full paths (/organisations, /working-groups).
        api_routers=(("", "kenesh.orgs.api.router"),),
    )
)
