from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "kenesh.consultations"
    label = "consultations"
    verbose_name = _("Consultations")

    def ready(self) -> None:
        # The replies to reporters listen to the concern services' signals.
        from kenesh.consultations.intake import receivers  # noqa: F401
