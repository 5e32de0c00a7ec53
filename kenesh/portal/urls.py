from django.urls import path

from kenesh.portal import views

urlpatterns = [
    path("", views.home, name="home"),
]
