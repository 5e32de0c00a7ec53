from django.urls import URLPattern, URLResolver

app_name = "incident_import"
urlpatterns: list[URLPattern | URLResolver] = []
