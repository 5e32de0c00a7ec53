from django.contrib import admin
from django.urls import include, path, re_path

from config.api import api
from kenesh.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/", core_views.api_not_found),
    path("", include("kenesh.accounts.urls")),
    path("", include("kenesh.core.urls")),
    path("units/", include("kenesh.geo.urls")),
    path("", include("kenesh.orgs.urls")),
    path("incidents/", include("kenesh.incidents.import_urls")),
    path("incidents/", include("kenesh.incidents.urls")),
    path("analysis/", include("kenesh.incidents.analysis_urls")),
    path("analysis/", include("kenesh.incidents.spatial_urls")),
]
