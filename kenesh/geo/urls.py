from django.urls import path

from kenesh.geo import views

urlpatterns = [
    path("", views.unit_list_page, name="unit-list"),
    path("<str:code>/", views.unit_detail_page, name="unit-detail"),
]
