"""What the incidents module contributes to the platform (kenesh.core.modules)."""

from django.utils.translation import gettext_lazy as _

from kenesh.core.modules import DashboardPanel, Module, NavEntry, register
from kenesh.core.permissions import Action, Resource

ANALYSIS = _("Analysis")

module = register(
    Module(
        label="incidents",
        name=_("Incidents"),
        resources=(Resource.INCIDENTS,),
        nav=(
            NavEntry(_("Incidents"), "incidents:list", Resource.INCIDENTS, order=40),
            NavEntry(
                _("Crime and rates"),
                "incidents:analysis:crime",
                Resource.INCIDENTS,
                Action.AGGREGATE,
                menu=ANALYSIS,
                order=50,
            ),
            NavEntry(
                _("Hot spots"),
                "incidents:spatial:hotspots",
                Resource.INCIDENTS,
                Action.AGGREGATE,
                menu=ANALYSIS,
                order=51,
            ),
            NavEntry(
                _("Near repeats"),
                "incidents:spatial:near_repeat",
                Resource.INCIDENTS,
                Action.AGGREGATE,
                menu=ANALYSIS,
                order=52,
            ),
            NavEntry(
                _("Did it work?"),
                "incidents:analysis:evaluation",
                Resource.INCIDENTS,
                Action.AGGREGATE,
                menu=ANALYSIS,
                order=53,
            ),
        ),
        # The first screens (kenesh.incidents.dashboard): the police's register panel for
        # whoever may register incidents, a municipality at a glance on a dashboard of one
        # municipality, the programme's municipalities side by side on a coordinator's.
        panels=(
            DashboardPanel(
                template="incidents/_dashboard_police.html",
                context="kenesh.incidents.dashboard.police_panel",
                resource=Resource.INCIDENTS,
                action=Action.WRITE,
                order=10,
            ),
            DashboardPanel(
                template="incidents/_dashboard_municipality.html",
                context="kenesh.incidents.dashboard.municipality_panel",
                resource=Resource.INCIDENTS,
                order=20,
            ),
            DashboardPanel(
                template="incidents/_dashboard_programme.html",
                context="kenesh.incidents.dashboard.programme_panel",
                resource=Resource.INCIDENTS,
                order=20,
                query=True,
            ),
        ),
        urls=(("", "kenesh.incidents.urls"),),
        # Each router under its prefix; ids use typed converters, so /incidents/stats never
        # depends on the order of mounting.
        api_routers=(
            ("/incidents", "kenesh.incidents.register.api.router"),
            ("/incidents", "kenesh.incidents.analysis.api.stats_router"),
            ("/incidents", "kenesh.incidents.imports.api.router"),
            ("/analytics", "kenesh.incidents.spatial.api.router"),
            ("/analytics", "kenesh.incidents.analysis.api.router"),
        ),
        demo_loader="kenesh.incidents.demo.demo_module_load",
        import_kinds=("kenesh.incidents.imports.spec.IMPORT_KIND",),
        exports=(
            "kenesh.incidents.register.exports.EXPORT",
            "kenesh.incidents.dashboard.PROGRAMME_EXPORT",
        ),
    )
)
