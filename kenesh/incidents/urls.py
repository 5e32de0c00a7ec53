"""Every page of the incidents module, one namespace: ``incidents:<name>`` for the register,
``incidents:<feature>:<name>`` for its features (import, analysis, spatial).

Mounted at the site root by the module registry (``module.py``); the addresses are those of
earlier releases (/incidents/..., /analysis/...).
"""

from django.urls import include, path

from kenesh.incidents.analysis import urls as analysis_urls
from kenesh.incidents.imports import urls as import_urls
from kenesh.incidents.register import urls as register_urls
from kenesh.incidents.spatial import urls as spatial_urls

app_name = "incidents"
urlpatterns = [
    path("incidents/import/", include((import_urls.urlpatterns, "import"))),
    path("incidents/", include(register_urls.urlpatterns)),
    path("analysis/", include((analysis_urls.urlpatterns, "analysis"))),
    path("analysis/", include((spatial_urls.urlpatterns, "spatial"))),
]
