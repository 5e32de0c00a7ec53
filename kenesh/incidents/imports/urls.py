"""The import pages, under /incidents/import/ (names ``incidents:import:<name>``): the
platform's pages of every kind (kenesh.core.imports.views) for the incident sheet."""

from django.urls import URLPattern, URLResolver

from kenesh.core.imports.views import kind_urlpatterns
from kenesh.incidents.imports.spec import IMPORT_KIND

urlpatterns: list[URLPattern | URLResolver] = [*kind_urlpatterns(IMPORT_KIND)]
