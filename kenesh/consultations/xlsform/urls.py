"""Pages of the XLSForm feature under /consultations/surveys/xlsform/
(``consultations:xlsform:<name>``); a survey's response imports are jobs of the platform's
import pages (``consultations:xlsform:responses:job``, ``rejects``, ``report``)."""

from django.urls import URLPattern, URLResolver, include, path

from kenesh.consultations.xlsform import views
from kenesh.consultations.xlsform.submissions import IMPORT_KIND
from kenesh.core.imports.views import kind_urlpatterns

app_name = "xlsform"

# The platform's job pages of the kind; uploading and templates are per survey (below), and
# "upload" (where a job's "Import another file" leads) lists the surveys to choose from.
responses_patterns: list[URLPattern | URLResolver] = [
    pattern
    for pattern in kind_urlpatterns(IMPORT_KIND)
    if pattern.name not in {"upload", "template"}
]
responses_patterns.append(path("", views.responses_choose_page, name="upload"))

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
