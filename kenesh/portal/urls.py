from django.urls import path

from kenesh.portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "dashboard/programme.<str:fmt>", views.programme_export, name="dashboard-programme-export"
    ),
]
