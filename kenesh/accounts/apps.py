from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kenesh.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_login_failed
        from django.db.models.signals import post_save

        from kenesh.accounts import signals
        from kenesh.accounts.models import User

        # After django-axes's own receiver (its app is installed first), so that a failure
        # which locks the client out is already marked on the request.
        user_login_failed.connect(signals.login_failed, dispatch_uid="kenesh-security-login")
        user_locked_out.connect(signals.locked_out, dispatch_uid="kenesh-security-lockout")
        post_save.connect(signals.user_saved, sender=User, dispatch_uid="kenesh-user-tokens")
