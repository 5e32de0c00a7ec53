from django.contrib.auth import views as auth_views
from django.urls import path

from kenesh.accounts import views
from kenesh.core.access import PUBLIC, access

urlpatterns = [
    path(
        "login/",
        access(PUBLIC)(
            auth_views.LoginView.as_view(
                template_name="accounts/login.html", redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    # Logging out needs no login: an expired session's "log out" lands on the login page.
    path("logout/", access(PUBLIC)(auth_views.LogoutView.as_view()), name="logout"),
    path("account/tokens/", views.token_list_page, name="account-tokens"),
    path("audit/", views.audit_log_page, name="audit-log"),
]
