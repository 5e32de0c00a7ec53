"""``kenesh concerns-follow-up``: ask the reporters of concerns resolved four weeks ago whether
they really are, and forget the numbers of those who did not answer within two weeks. For
deployments without Celery beat (beat runs ``consultations.concerns_follow_up`` hourly): run it
from cron once a day."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from kenesh.consultations.intake.followup import concerns_follow_up
from kenesh.consultations.intake.outbox import outbox_send


class Command(BaseCommand):
    help = (
        "Ask the reporters of concerns resolved 28 days ago whether they really are resolved "
        "(by SMS or Telegram), forget the reply addresses of those who did not answer within "
        "14 days, and send the questions. For deployments without Celery beat: run it daily "
        "from cron."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        run = concerns_follow_up()
        sent = outbox_send()
        self.stdout.write(
            _("Follow-up questions asked: %(asked)d; reply addresses forgotten: %(forgotten)d")
            % {"asked": run.asked, "forgotten": run.forgotten}
        )
        self.stdout.write(
            _("Messages sent: %(sent)d; failed: %(failed)d; to try again: %(retrying)d")
            % {"sent": sent.sent, "failed": sent.failed, "retrying": sent.retrying}
        )
