from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kenesh.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from kenesh.core.modules import autodiscover

        autodiscover()  # each app's module.py registers what it contributes


class KeneshAdminConfig(admin_apps.AdminConfig):
    """Django's admin with Kenesh's site: only administrators get in."""

    default = False  # named explicitly in INSTALLED_APPS; CoreConfig is this module's default
    default_site = "kenesh.core.admin_site.KeneshAdminSite"
