from django.urls import path

from kenesh.orgs import views

urlpatterns = [
    path("organisations/", views.organisation_list_page, name="organisation-list"),
    path("organisations/new/", views.organisation_create_page, name="organisation-create"),
    path("organisations/<int:pk>/", views.organisation_detail_page, name="organisation-detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit_page, name="organisation-edit"),
    path("working-groups/", views.working_group_list_page, name="working-group-list"),
    path("working-groups/new/", views.working_group_create_page, name="working-group-create"),
    path("working-groups/<int:pk>/", views.working_group_detail_page, name="working-group-detail"),
    path("working-groups/<int:pk>/edit/", views.working_group_edit_page, name="working-group-edit"),
    path(
        "working-groups/<int:pk>/members/new/",
        views.member_add_page,
        name="working-group-member-add",
    ),
    path(
        "working-groups/<int:pk>/members/<int:membership_pk>/edit/",
        views.member_edit_page,
        name="working-group-member-edit",
    ),
]
