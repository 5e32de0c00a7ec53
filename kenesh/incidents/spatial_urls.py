from django.urls import URLPattern, URLResolver, path

from kenesh.incidents import spatial_views

app_name = "spatial"
urlpatterns: list[URLPattern | URLResolver] = [
    path("hotspots/", spatial_views.hotspots_page, name="hotspots"),
    path("near-repeat/", spatial_views.near_repeat_page, name="near_repeat"),
]
