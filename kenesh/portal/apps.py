from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The top app: the dashboard, the navigation, the demo programme and programme-wide pages.

    It reads the module registry (kenesh.core.modules) and may import every other app; nothing
    imports it (docs/adr/0007-module-layout.md).
    """

    name = "kenesh.portal"
    label = "portal"
    verbose_name = _("Portal")
