"""Pages of the XLSForm feature under /consultations/surveys/xlsform/
(``consultations:xlsform:<name>``); a survey's response imports are jobs of the platform's
import pages (``consultations:xlsform:responses:job``, ``rejects``, ``report``)."""

from django.urls import URLPattern, URLResolver, include, path

from kenesh.consultations.xlsform import views
from kenesh.consultations.xlsform.submissions import IMPORT_KIND
from kenesh.core.access import access, requires
from kenesh.core.imports.views import job_page, rejects_download, report_download
from kenesh.core.permissions import Action, Resource

app_name = "xlsform"

# The platform's job pages (kenesh.core.imports.views) for this kind. They are declared with
# write access to surveys: no role holds restricted access to surveys, so a job is seen by its
# uploader, who could write (import_job_for decides, scope first). Uploading and templates are
# per survey (below); "upload", where a job's "Import another file" leads, lists the surveys.
writes = access(requires(Resource.SURVEYS, Action.WRITE))
bound = {"kind_key": IMPORT_KIND.key}
responses_patterns: list[URLPattern | URLResolver] = [
    path("", views.responses_choose_page, bound, name="upload"),
    path("<int:job_id>/", writes(job_page), bound, name="job"),
    path("<int:job_id>/rejects.csv", writes(rejects_download), bound, name="rejects"),
    path("<int:job_id>/report.csv", writes(report_download), bound, name="report"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.xlsform_import_page, name="import"),
    path("<int:pk>/xlsform.xlsx", views.xlsform_export, name="export"),
    path("<int:pk>/import/", views.responses_import_page, name="responses_import"),
    path(
        "<int:pk>/import/template.<str:fmt>",
        views.responses_template,
        name="responses_template",
    ),
    path("responses/", include((responses_patterns, "responses"))),
]
