"""The follow-up four weeks after a concern is resolved, with explicit times for "now"."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from kenesh.consultations.intake.followup import (
    ANSWER_WAIT,
    ASK_AFTER,
    ASK_WINDOW,
    answer_of,
    concerns_follow_up,
)
from kenesh.consultations.intake.services import message_receive
from kenesh.consultations.models import (
    Concern,
    ConcernEvent,
    ConcernStatus,
    InboundMessage,
    OptOut,
    OutboxMessage,
    OutboxStatus,
)
from kenesh.consultations.tests.factories import ConcernFactory
from kenesh.consultations.tests.intake_support import NUMBER

pytestmark = pytest.mark.django_db

RESOLVED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
DUE = RESOLVED + ASK_AFTER + dt.timedelta(hours=1)


def resolved_concern(**values: Any) -> Concern:
    """An anonymous SMS concern resolved at :data:`RESOLVED`."""
    defaults: dict[str, Any] = {
        "status": ConcernStatus.RESOLVED,
        "resolved_at": RESOLVED,
        "anonymous": True,
        "channel": "sms",
        "reply_channel": "sms",
        "reply_address": NUMBER,
        "language": "ru",
    }
    concern: Concern = ConcernFactory.create(**{**defaults, **values})
    return concern


def reply(text: str, *, message_id: str, now: dt.datetime) -> str:
    return message_receive(
        channel="sms", message_id=message_id, sender=NUMBER, text=text, now=now
    ).result


def test_nothing_is_asked_before_four_weeks_have_passed() -> None:
    concern = resolved_concern()
    run = concerns_follow_up(now=RESOLVED + ASK_AFTER - dt.timedelta(minutes=1))
    assert run.asked == 0
    concern.refresh_from_db()
    assert concern.follow_up_sent_at is None
    assert not OutboxMessage.objects.exists()


def test_four_weeks_after_resolution_the_reporter_is_asked_once() -> None:
    concern = resolved_concern()
    assert concerns_follow_up(now=DUE).asked == 1
    assert concerns_follow_up(now=DUE + dt.timedelta(hours=1)).asked == 0
    concern.refresh_from_db()
    assert concern.follow_up_sent_at == DUE
    question = OutboxMessage.objects.get()
    assert (question.channel, question.address, question.concern) == ("sms", NUMBER, concern)
    assert concern.display_reference in question.text
    assert "1" in question.text and "2" in question.text


def test_a_reporter_with_a_phone_in_the_contact_is_asked_by_sms() -> None:
    concern = resolved_concern(
        anonymous=False, channel="web", reply_channel="", reply_address="", contact="0700 111 222"
    )
    assert concerns_follow_up(now=DUE).asked == 1
    assert OutboxMessage.objects.get(concern=concern).address == "+996700111222"


def test_a_reporter_without_a_way_to_reach_them_is_not_asked() -> None:
    resolved_concern(reply_channel="", reply_address="")
    assert concerns_follow_up(now=DUE).asked == 0
    assert not OutboxMessage.objects.exists()


def test_a_reporter_who_opted_out_is_not_asked_and_their_number_is_forgotten() -> None:
    concern = resolved_concern()
    OptOut.objects.create(channel="sms", address=NUMBER)
    assert concerns_follow_up(now=DUE).asked == 0
    concern.refresh_from_db()
    assert concern.reply_address == ""
    assert not OutboxMessage.objects.filter(status=OutboxStatus.QUEUED).exists()


def test_answer_two_reopens_the_concern_with_a_note_and_keeps_the_number() -> None:
    concern = resolved_concern()
    concerns_follow_up(now=DUE)
    later = DUE + dt.timedelta(days=2)
    assert reply(" 2 ", message_id="a-2", now=later) == "follow_up"
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ACKNOWLEDGED
    assert concern.follow_up_answer == "reopened"
    assert concern.resolved_at is None
    assert concern.reply_address == NUMBER  # open again: its next resolution asks again
    event = ConcernEvent.objects.filter(concern=concern).latest("at", "id")
    assert event.status == ConcernStatus.ACKNOWLEDGED and event.note
    assert InboundMessage.objects.get(message_id="a-2").concern == concern
    thanks = OutboxMessage.objects.latest("id")
    assert concern.display_reference in thanks.text


def test_answer_one_confirms_the_concern_and_forgets_the_number() -> None:
    concern = resolved_concern()
    concerns_follow_up(now=DUE)
    assert reply("1", message_id="a-1", now=DUE + dt.timedelta(days=1)) == "follow_up"
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RESOLVED
    assert concern.follow_up_answer == "confirmed"
    assert (concern.reply_channel, concern.reply_address) == ("", "")
    assert InboundMessage.objects.get(message_id="a-1").sender == ""
    # The thanks still goes: the queued message holds the number until it is sent.
    assert OutboxMessage.objects.latest("id").address == NUMBER


def test_without_an_answer_for_two_weeks_the_number_is_forgotten() -> None:
    concern = resolved_concern()
    concerns_follow_up(now=DUE)
    assert concerns_follow_up(now=DUE + ANSWER_WAIT - dt.timedelta(hours=1)).forgotten == 0
    concern.refresh_from_db()
    assert concern.reply_address == NUMBER
    assert concerns_follow_up(now=DUE + ANSWER_WAIT).forgotten == 1
    concern.refresh_from_db()
    assert concern.reply_address == ""
    assert concern.follow_up_answer == ""


def test_a_concern_resolved_too_long_ago_is_not_asked_about_and_its_number_goes() -> None:
    concern = resolved_concern()
    run = concerns_follow_up(now=RESOLVED + ASK_AFTER + ASK_WINDOW + dt.timedelta(days=1))
    assert (run.asked, run.forgotten) == (0, 1)
    concern.refresh_from_db()
    assert concern.reply_address == ""
    assert not OutboxMessage.objects.exists()


def test_a_message_that_is_no_answer_becomes_a_new_message_and_the_question_stays_open() -> None:
    concern = resolved_concern()
    concerns_follow_up(now=DUE)
    assert reply("Рахмат, бирок дагы бир суроо", message_id="x", now=DUE) == "unplaced"
    concern.refresh_from_db()
    assert concern.follow_up_answer == ""


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("1", "confirmed"),
        ("ооба", "confirmed"),
        ("Да.", "confirmed"),
        ("yes", "confirmed"),
        ("2", "reopened"),
        ("жок", "reopened"),
        ("НЕТ", "reopened"),
        ("3", None),
        ("12", None),
    ],
)
def test_answers_are_read_as_the_number_or_the_word(text: str, answer: str | None) -> None:
    assert answer_of(text) == answer


def test_the_command_asks_and_sends(capsys: Any) -> None:
    resolved_concern(resolved_at=dt.datetime.now(dt.UTC) - ASK_AFTER - dt.timedelta(days=1))
    out = StringIO()
    call_command("concerns-follow-up", stdout=out)
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT
    assert "1" in out.getvalue()


def test_celery_beat_runs_the_follow_up_and_the_outbox() -> None:
    from config.celery import app
    from kenesh.consultations.intake.tasks import concerns_follow_up_task, outbox_send_task

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {concerns_follow_up_task.name, outbox_send_task.name} <= tasks
    assert concerns_follow_up_task.delay().get() == 0


def test_messages_of_no_concern_lose_their_number_after_a_month() -> None:
    from kenesh.consultations.intake.retention import UNLINKED_KEEP

    kept = message_receive(
        channel="sms", message_id="old", sender=NUMBER, text="Салам", now=RESOLVED
    )
    assert kept.result == "unplaced"
    OutboxMessage.objects.update(status=OutboxStatus.SENT, created_at=RESOLVED)
    concerns_follow_up(now=RESOLVED + UNLINKED_KEEP - dt.timedelta(hours=1))
    assert InboundMessage.objects.get().sender == NUMBER
    concerns_follow_up(now=RESOLVED + UNLINKED_KEEP + dt.timedelta(hours=1))
    assert InboundMessage.objects.get().sender == ""
    assert OutboxMessage.objects.get().address == ""
