"""Hot spots and near repeats, under /analysis/ (names ``incidents:spatial:<name>``)."""

from django.urls import URLPattern, URLResolver, path

from kenesh.incidents.spatial import views as spatial_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("hotspots/", spatial_views.hotspots_page, name="hotspots"),
    path("near-repeat/", spatial_views.near_repeat_page, name="near_repeat"),
]
