"""What the consultations module contributes to the platform (kenesh.core.modules)."""

from django.utils.translation import gettext_lazy as _

from kenesh.core.modules import Module, NavEntry, register
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
        panels=(),
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
