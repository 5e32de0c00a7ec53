from django.urls import URLPattern, URLResolver

app_name = "spatial"
urlpatterns: list[URLPattern | URLResolver] = []
