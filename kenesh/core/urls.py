from django.urls import path

from kenesh.core import views

urlpatterns = [
    path("", views.home, name="home"),
]
