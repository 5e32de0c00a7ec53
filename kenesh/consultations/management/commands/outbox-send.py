"""``kenesh outbox-send``: send the queued replies to reporters (SMS, Telegram). For
deployments without Celery beat (beat runs ``consultations.outbox_send`` every two minutes): run
it from cron every few minutes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from kenesh.consultations.intake.outbox import outbox_send


class Command(BaseCommand):
    help = (
        "Send the queued replies to reporters with the configured senders (KENESH_SMS_SENDER, "
        "KENESH_TELEGRAM_SENDER). For deployments without Celery beat: run it from cron."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--limit", type=int, default=200, help="At most this many messages (default 200)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run = outbox_send(limit=options["limit"])
        self.stdout.write(
            _("Messages sent: %(sent)d; failed: %(failed)d; to try again: %(retrying)d")
            % {"sent": run.sent, "failed": run.failed, "retrying": run.retrying}
        )
