"""What the consultations module contributes to the platform (kenesh.core.modules)."""

from django.utils.translation import gettext_lazy as _

from kenesh.core.modules import DashboardPanel, Module, NavEntry, register
from kenesh.core.permissions import Action, Resource

CONSULTATIONS = _("Consultations")

module = register(
    Module(
        label="consultations",
        name=_("Consultations"),
        resources=(Resource.SURVEYS, Resource.CONCERNS, Resource.PRIORITIES),
        # Each feature adds its own entries, in its own lines (menu=CONSULTATIONS).
        nav=(
            # surveys
            NavEntry(
                _("Surveys"),
                "consultations:surveys:list",
                Resource.SURVEYS,
                menu=CONSULTATIONS,
                order=60,
            ),
            # xlsform
            NavEntry(
                _("Import a form (XLSForm)"),
                "consultations:xlsform:import",
                Resource.SURVEYS,
                Action.WRITE,
                menu=CONSULTATIONS,
                order=64,
            ),
            # results
            # concerns
            NavEntry(
                _("Concerns"),
                "consultations:concerns:list",
                Resource.CONCERNS,
                Action.AGGREGATE,
                menu=CONSULTATIONS,
                order=61,
            ),
            # meetings
            NavEntry(
                _("Meetings"),
                "consultations:meetings:list",
                Resource.SURVEYS,
                menu=CONSULTATIONS,
                order=62,
            ),
            # priorities
            NavEntry(
                _("Priorities"),
                "consultations:priorities:matrix",
                Resource.PRIORITIES,
                menu=CONSULTATIONS,
                order=63,
            ),
        ),
        # The first screens (kenesh.consultations.dashboard): the concerns to answer for whoever
        # writes them in one municipality, its consultations at a glance, the programme's
        # concerns and surveys side by side for a coordinator, and a territory's concerns and
        # priorities on its page.
        panels=(
            DashboardPanel(
                template="consultations/_dashboard_concerns.html",
                context="kenesh.consultations.dashboard.concerns_panel",
                resource=Resource.CONCERNS,
                action=Action.WRITE,
                order=15,
            ),
            DashboardPanel(
                template="consultations/_dashboard_consultations.html",
                context="kenesh.consultations.dashboard.municipality_panel",
                resource=Resource.SURVEYS,
                action=Action.READ,
                order=30,
            ),
            DashboardPanel(
                template="consultations/_dashboard_programme_concerns.html",
                context="kenesh.consultations.dashboard.programme_panel",
                resource=Resource.CONCERNS,
                order=30,
            ),
        ),
        unit_panels=(
            DashboardPanel(
                template="consultations/_unit_consultations.html",
                context="kenesh.consultations.dashboard.unit_panel",
                resource=Resource.CONCERNS,
                order=30,
            ),
        ),
        urls=(("", "kenesh.consultations.urls"),),
        api_routers=(
            ("/surveys", "kenesh.consultations.xlsform.api.router"),
            ("/surveys", "kenesh.consultations.surveys.api.router"),
            ("/surveys", "kenesh.consultations.results.api.router"),
            ("/meetings", "kenesh.consultations.meetings.api.router"),
            ("/concerns", "kenesh.consultations.concerns.api.router"),
            ("/public", "kenesh.consultations.public.api.router"),
            ("/intake", "kenesh.consultations.intake.api.router"),
            ("/priorities", "kenesh.consultations.priorities.api.router"),
        ),
        demo_loader="kenesh.consultations.demo.demo_module_load",
        import_kinds=("kenesh.consultations.xlsform.submissions.IMPORT_KIND",),
        exports=(
            # results
            "kenesh.consultations.results.exports.EXPORT",
            # concerns
            "kenesh.consultations.concerns.exports.EXPORT",
        ),
    )
)
