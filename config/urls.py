"""The site's addresses: the platform's own, then every module's from the registry."""

from django.contrib import admin
from django.urls import include, path, re_path

from config.api import api
from kenesh.core import views as core_views
from kenesh.core.modules import url_patterns

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/", core_views.api_not_found),
    path("", include("kenesh.portal.urls")),
    *url_patterns(),
]
