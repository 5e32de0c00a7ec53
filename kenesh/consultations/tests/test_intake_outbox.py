"""The outbox, its senders, and the replies a concern's creation and status changes send."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command

from kenesh.consultations.intake import senders
from kenesh.consultations.intake.outbox import (
    MAX_ATTEMPTS,
    normalise_address,
    outbox_queue,
    outbox_send,
    phone_number,
)
from kenesh.consultations.models import (
    Concern,
    ConcernStatus,
    MessageChannel,
    OptOut,
    OutboxMessage,
    OutboxStatus,
)
from kenesh.consultations.services import concern_create, concern_set_status
from kenesh.consultations.tests.factories import ConcernFactory
from kenesh.consultations.tests.intake_support import NUMBER
from kenesh.core.access import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature_for
from kenesh.geo.tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


class FailingSender:
    def send(self, message: OutboxMessage) -> None:
        raise ConnectionError("gateway unreachable")


@pytest.fixture
def console(settings: Any) -> None:
    settings.KENESH_SMS_SENDER = "kenesh.consultations.intake.senders.ConsoleSender"
    settings.KENESH_TELEGRAM_SENDER = "kenesh.consultations.intake.senders.ConsoleSender"


def test_the_console_sender_prints_queued_messages_with_the_number_masked(
    console: None, capsys: Any
) -> None:
    message = outbox_queue(channel="sms", address=NUMBER, text="Салам")
    run = outbox_send()
    assert run.sent == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.sent_at is not None
    assert message.attempts == 1
    printed = capsys.readouterr().out
    assert "Салам" in printed and "…456" in printed and NUMBER not in printed


def test_a_failed_send_is_kept_with_its_error_and_tried_again_until_it_fails(
    settings: Any,
) -> None:
    settings.KENESH_SMS_SENDER = f"{__name__}.FailingSender"
    message = outbox_queue(channel="sms", address=NUMBER, text="x")
    for attempt in range(1, MAX_ATTEMPTS):
        assert outbox_send().retrying == 1
        message.refresh_from_db()
        assert (message.status, message.attempts) == (OutboxStatus.QUEUED, attempt)
        assert "gateway unreachable" in message.error
    assert outbox_send().failed == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert outbox_send() == type(outbox_send())()  # nothing left to try


def test_nothing_is_sent_to_an_address_that_opted_out(console: None, capsys: Any) -> None:
    OptOut.objects.create(channel="sms", address=NUMBER)
    refused = outbox_queue(channel="sms", address=NUMBER, text="x")
    assert refused.status == OutboxStatus.SUPPRESSED
    queued = outbox_queue(channel="telegram", address="55", text="y")
    OptOut.objects.create(channel="telegram", address="55")  # after it was queued
    assert outbox_send().suppressed == 1
    queued.refresh_from_db()
    assert queued.status == OutboxStatus.SUPPRESSED
    assert capsys.readouterr().out == ""


def test_the_command_sends_the_queue(console: None) -> None:
    outbox_queue(channel="sms", address=NUMBER, text="x")
    out = io.StringIO()
    call_command("outbox-send", stdout=out)
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT


@pytest.mark.parametrize(
    ("written", "number"),
    [
        ("0555 123 456", "+996555123456"),
        ("+996 (555) 12-34-56", "+996555123456"),
        ("996555123456", "+996555123456"),
        ("555123456", "+996555123456"),
        ("Айгүл, тел. 0700-11-22-33", "+996700112233"),
        ("00 7 701 1234567", "+77011234567"),
        ("aigul@example.org", ""),
    ],
)
def test_phone_numbers_are_read_in_international_form(written: str, number: str) -> None:
    assert phone_number(written) == number


def test_a_gateway_short_code_is_kept_as_given() -> None:
    assert normalise_address("sms", "KENESH") == "KENESH"


# Replies on creation and on status changes ---------------------------------------------------


def sms_concern(**values: Any) -> Concern:
    data = {
        "unit": MunicipalityFactory.create(),
        "text": "Жарык жок",
        "channel": "sms",
        "anonymous": True,
        "reply_channel": "sms",
        "reply_address": NUMBER,
        "language": "ru",
        **values,
    }
    return concern_create(actor=None, data=data)


def test_a_new_concern_sends_its_reference_only_once_committed(
    django_capture_on_commit_callbacks: Any, console: None
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as hooks:
        concern = sms_concern()
    assert not OutboxMessage.objects.exists()  # nothing before the commit
    for hook in hooks:
        hook()
    reply = OutboxMessage.objects.get()
    assert (reply.address, reply.concern) == (NUMBER, concern)
    assert concern.display_reference in reply.text


@pytest.mark.parametrize(
    "status",
    [ConcernStatus.ACKNOWLEDGED, ConcernStatus.RESOLVED, ConcernStatus.NOT_ACTIONABLE],
)
def test_each_status_step_is_told_to_the_reporter(
    status: str, django_capture_on_commit_callbacks: Any, console: None
) -> None:
    concern = sms_concern()
    with django_capture_on_commit_callbacks(execute=True):
        concern_set_status(actor=None, concern=concern, status=status, reason="Не наш вопрос")
    reply = OutboxMessage.objects.filter(concern=concern).latest("id")
    assert concern.display_reference in reply.text
    if status == ConcernStatus.NOT_ACTIONABLE:
        assert "Не наш вопрос" in reply.text


def test_a_concern_not_actionable_forgets_its_anonymous_reporter_after_telling_them(
    django_capture_on_commit_callbacks: Any, console: None
) -> None:
    concern = sms_concern()
    with django_capture_on_commit_callbacks(execute=True):
        concern_set_status(
            actor=None, concern=concern, status=ConcernStatus.NOT_ACTIONABLE, reason="Дубликат"
        )
    concern.refresh_from_db()
    assert (concern.reply_channel, concern.reply_address) == ("", "")
    reply = OutboxMessage.objects.filter(concern=concern).latest("id")
    assert reply.status == OutboxStatus.SENT
    assert reply.address == ""  # sent, then the number went with the concern's


def test_a_resolved_concern_keeps_the_number_for_the_follow_up(
    django_capture_on_commit_callbacks: Any, console: None
) -> None:
    concern = sms_concern()
    with django_capture_on_commit_callbacks(execute=True):
        concern_set_status(actor=None, concern=concern, status=ConcernStatus.RESOLVED)
    concern.refresh_from_db()
    assert concern.reply_address == NUMBER


def test_a_web_reporter_with_a_phone_in_the_contact_gets_replies_by_sms(
    django_capture_on_commit_callbacks: Any, console: None
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        concern = concern_create(
            actor=None,
            data={
                "unit": MunicipalityFactory.create(),
                "text": "Собаки",
                "channel": "web",
                "contact": "Айгуль 0555 123 456",
            },
        )
    assert OutboxMessage.objects.get(concern=concern).address == NUMBER


def test_a_concern_without_a_way_to_reach_the_reporter_sends_nothing(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        ConcernFactory.create()
        concern_create(
            actor=None,
            data={"unit": MunicipalityFactory.create(), "text": "x", "channel": "web"},
        )
    assert not OutboxMessage.objects.exists()


# The HTTP senders, without a network ---------------------------------------------------------


class Answer(io.BytesIO):
    def __enter__(self) -> Answer:
        return self

    def __exit__(self, *args: Any) -> None:
        self.close()


def test_the_http_sms_sender_signs_what_it_posts(settings: Any, monkeypatch: Any) -> None:
    settings.KENESH_SMS_SEND_URL = "https://gateway.example/send"
    settings.KENESH_SMS_SECRET = "s3cret"
    posted: list[Any] = []

    def urlopen(request: Any, timeout: float) -> Answer:
        posted.append(request)
        return Answer(b"{}")

    monkeypatch.setattr(senders.urllib.request, "urlopen", urlopen)
    message = OutboxMessage.objects.create(channel=MessageChannel.SMS, address=NUMBER, text="Hi")
    senders.HttpSmsSender().send(message)
    (request,) = posted
    assert request.full_url == "https://gateway.example/send"
    assert json.loads(request.data) == {"id": message.pk, "to": NUMBER, "text": "Hi"}
    timestamp = request.get_header(TIMESTAMP_HEADER.capitalize())
    expected = signature_for("s3cret", timestamp, request.data)
    assert request.get_header(SIGNATURE_HEADER.capitalize()) == expected


def test_the_telegram_sender_raises_when_telegram_refuses(settings: Any, monkeypatch: Any) -> None:
    settings.KENESH_TELEGRAM_BOT_TOKEN = "123:abc"
    answers = [b'{"ok": true}', b'{"ok": false, "description": "Forbidden: bot was blocked"}']
    urls: list[str] = []

    def urlopen(request: Any, timeout: float) -> Answer:
        urls.append(request.full_url)
        return Answer(answers.pop(0))

    monkeypatch.setattr(senders.urllib.request, "urlopen", urlopen)
    message = OutboxMessage.objects.create(channel="telegram", address="42", text="Hi")
    senders.TelegramSender().send(message)
    with pytest.raises(RuntimeError, match="blocked"):
        senders.TelegramSender().send(message)
    assert urls[0] == "https://api.telegram.org/bot123:abc/sendMessage"
