"""A sender's phone number (or Telegram chat id) is personal data: it is restricted on every
intake model (the audit keeps a fingerprint), shown on no page, kept in no log, and deleted as
docs/intake.md says (the retention rules of kenesh.consultations.intake.retention)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.intake.followup import ANSWER_WAIT, ASK_AFTER, concerns_follow_up
from kenesh.consultations.intake.outbox import (
    address_key,
    is_opted_out,
    opt_out,
    outbox_queue,
    outbox_send,
    scrubbed,
)
from kenesh.consultations.intake.retention import UNLINKED_KEEP, numbers_forget
from kenesh.consultations.intake.services import message_receive
from kenesh.consultations.models import (
    Concern,
    ConcernStatus,
    InboundMessage,
    OptOut,
    OutboxMessage,
    OutboxStatus,
    SmsSurveySession,
)
from kenesh.consultations.services import concern_set_status
from kenesh.consultations.tests.factories import (
    SurveyFactory,
    choice_question,
)
from kenesh.consultations.tests.intake_support import NUMBER, post_sms, village
from kenesh.core.audit import snapshot
from kenesh.core.masking import restricted_fields
from kenesh.core.models import AuditEntry
from kenesh.core.permissions import Role
from kenesh.geo.models import AdministrativeUnit
from kenesh.geo.tests.factories import country

pytestmark = pytest.mark.django_db

THEFT = "Кечээ түндө Сынак-Булуңда малды уурдап кетишти"
# The number as any rendering might write it: in full, without "+", nationally.
WRITTEN = (NUMBER, NUMBER.lstrip("+"), "555123456", "0555 123 456", "555 123 456")
CHAT = "777001234"
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def console(settings: Any) -> None:
    settings.KENESH_SMS_SECRET = "sms-gateway-secret-for-tests"
    settings.KENESH_SMS_SENDER = "kenesh.consultations.intake.senders.ConsoleSender"
    settings.KENESH_TELEGRAM_SENDER = "kenesh.consultations.intake.senders.ConsoleSender"


def in_clear(text: str) -> list[str]:
    return [form for form in WRITTEN if form in text]


def receive(text: str, n: int, *, at: dt.datetime = T0, sender: str = NUMBER) -> str:
    return message_receive(
        channel="sms", message_id=f"p-{n}", sender=sender, text=text, now=at, received_at=at
    ).result


def numbers_stored() -> dict[str, list[Any]]:
    """Every place the intake could keep the number in clear, and what it holds there."""
    return {
        "concern": list(Concern.objects.filter(reply_address=NUMBER).values_list("pk", flat=True)),
        "inbound": list(InboundMessage.objects.filter(sender=NUMBER).values_list("pk", flat=True)),
        "outbox": list(OutboxMessage.objects.filter(address=NUMBER).values_list("pk", flat=True)),
        "opt_out": list(OptOut.objects.filter(address=NUMBER).values_list("pk", flat=True)),
        "session": list(
            SmsSurveySession.objects.filter(address=NUMBER).values_list("pk", flat=True)
        ),
    }


NOWHERE: dict[str, list[Any]] = {
    "concern": [],
    "inbound": [],
    "outbox": [],
    "opt_out": [],
    "session": [],
}


def client_of(role: Role, unit: AdministrativeUnit | None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(UserFactory.create(role=role, unit=unit))
    return client


# Declared restricted, so the audit keeps fingerprints ------------------------------------------


def test_the_number_is_restricted_on_every_model_that_keeps_it() -> None:
    assert restricted_fields(InboundMessage) == {"sender"}
    assert restricted_fields(OutboxMessage) == {"address"}
    assert restricted_fields(OptOut) == {"address"}
    assert restricted_fields(SmsSurveySession) == {"address"}
    assert {"reply_address", "contact"} <= restricted_fields(Concern)
    receive("Салам", 1)
    kept = snapshot(InboundMessage.objects.get())
    reply = snapshot(OutboxMessage.objects.get())
    assert str(kept["sender"]).startswith("restricted:")
    assert str(reply["address"]).startswith("restricted:")
    assert not in_clear(repr(kept) + repr(reply))


def test_no_audit_entry_and_no_page_shows_the_number_from_message_to_closed_concern(
    django_capture_on_commit_callbacks: Any,
) -> None:
    place = village()
    unit = place.parent
    assert unit is not None
    with django_capture_on_commit_callbacks(execute=True):
        assert post_sms(message_id="gw-p1", text=THEFT).json() == {"result": "concern"}
    concern = Concern.objects.get(messages__isnull=False)
    assert concern.reply_address == NUMBER  # kept for the replies while it is open
    coordinator = client_of(Role.LCPC_COORDINATOR, unit)
    police = client_of(Role.POLICE_OFFICER, unit)
    detail = reverse("consultations:concerns:detail", kwargs={"pk": concern.pk})
    pages = [
        detail,
        reverse("consultations:concerns:list"),
        f"/api/v1/concerns/{concern.pk}",
        f"/api/v1/concerns?unit={unit.code}",
    ]
    # While it is open: the staff who see everything of it see no number.
    for client in (coordinator, police):
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, page
            assert not in_clear(response.content.decode()), page
    with django_capture_on_commit_callbacks(execute=True):
        answer = coordinator.post(
            reverse("consultations:concerns:status", kwargs={"pk": concern.pk}),
            {"status": "not_actionable", "reason": "Not for the working group"},
        )
    assert answer.status_code in (200, 302)
    outbox_send()
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.NOT_ACTIONABLE
    for client in (coordinator, police):
        for page in pages:
            assert not in_clear(client.get(page).content.decode()), page
    entries = AuditEntry.objects.filter(app_label="consultations", object_id=str(concern.pk))
    assert entries.count() >= 2  # created, its status changed
    assert not in_clear(repr(list(entries.values_list("changes", "object_repr"))))
    assert not in_clear(repr(list(AuditEntry.objects.values_list("changes", "object_repr"))))
    administrator = Client(HTTP_ACCEPT_LANGUAGE="en")
    administrator.force_login(UserFactory.create(role=Role.ADMINISTRATOR, unit=country()))
    log = administrator.get("/audit/", {"model": "concern"})
    assert log.status_code == 200
    assert not in_clear(log.content.decode())
    assert numbers_stored() == NOWHERE


def test_a_failed_send_keeps_and_logs_no_number(settings: Any, caplog: Any) -> None:
    settings.KENESH_SMS_SENDER = f"{__name__}.QuotingSender"
    message = outbox_queue(channel="sms", address=NUMBER, text="x")
    with caplog.at_level(logging.WARNING, logger="kenesh.intake"):
        assert outbox_send().retrying == 1
    message.refresh_from_db()
    assert "no route to" in message.error and "…456" in message.error
    assert not in_clear(message.error)
    assert caplog.records and not in_clear(caplog.text)


class QuotingSender:
    """A provider whose error quotes the number, with and without its "+"."""

    def send(self, message: OutboxMessage) -> None:
        raise OSError(f"no route to {message.address} ({message.address.lstrip('+')})")


def test_scrubbing_masks_each_form_of_the_address() -> None:
    assert scrubbed(f"to {NUMBER} or {NUMBER[1:]}", NUMBER) == "to …456 or …456"
    assert scrubbed("chat 42 refused", "42") == "chat 42 refused"  # too short to mean anything


# Retention ---------------------------------------------------------------------------------------


def sms_concern(at: dt.datetime = T0) -> Concern:
    village()
    assert receive(THEFT, 1, at=at) == "concern"
    return Concern.objects.get(messages__isnull=False)


def test_not_actionable_deletes_the_number_once_the_reply_is_sent(
    django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    # The replies wait for the periodic send (no send right after the commit).
    monkeypatch.setattr("kenesh.consultations.intake.outbox._kick", lambda: None)
    with django_capture_on_commit_callbacks(execute=True):
        concern = sms_concern()
    with django_capture_on_commit_callbacks(execute=True):
        concern_set_status(
            actor=None, concern=concern, status=ConcernStatus.NOT_ACTIONABLE, reason="Нет"
        )
    # The replies still to go keep their address; everything else has lost the number.
    waiting = list(concern.outbox.values_list("pk", flat=True))
    assert len(waiting) == 2 and numbers_stored() == {**NOWHERE, "outbox": waiting}
    assert outbox_send().sent == 2  # the reference number, the reason
    assert numbers_stored() == NOWHERE


def resolved(concern: Concern, *, at: dt.datetime, hooks: Any) -> None:
    with hooks(execute=True):
        concern_set_status(actor=None, concern=concern, status=ConcernStatus.RESOLVED)
    Concern.objects.filter(pk=concern.pk).update(resolved_at=at)
    outbox_send()


def test_a_resolved_concern_keeps_the_number_until_the_follow_up_is_answered_yes(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        concern = sms_concern()
    resolved(concern, at=T0, hooks=django_capture_on_commit_callbacks)
    asked_at = T0 + ASK_AFTER + dt.timedelta(hours=1)
    assert concerns_follow_up(now=asked_at).asked == 1
    assert numbers_stored()["concern"] == [concern.pk]  # waiting for the answer
    assert receive("1", 2, at=asked_at + dt.timedelta(hours=1)) == "follow_up"
    assert outbox_send().sent == 2  # the question, the thanks
    assert numbers_stored() == NOWHERE
    # Nothing is left for the sweep, and it changes nothing.
    assert numbers_forget(now=asked_at + dt.timedelta(days=60)).messages == 0


def test_a_resolved_concern_without_an_answer_loses_the_number_after_two_weeks(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        concern = sms_concern()
    resolved(concern, at=T0, hooks=django_capture_on_commit_callbacks)
    asked_at = T0 + ASK_AFTER + dt.timedelta(hours=1)
    concerns_follow_up(now=asked_at)
    outbox_send()
    concerns_follow_up(now=asked_at + ANSWER_WAIT - dt.timedelta(hours=1))
    assert numbers_stored()["concern"] == [concern.pk]
    assert concerns_follow_up(now=asked_at + ANSWER_WAIT + dt.timedelta(hours=1)).forgotten == 1
    assert numbers_stored() == NOWHERE


def test_a_reply_held_back_by_stop_after_the_number_was_forgotten_is_swept(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        concern = sms_concern()  # its reference reply is queued, not sent
        concern_set_status(
            actor=None, concern=concern, status=ConcernStatus.NOT_ACTIONABLE, reason="Нет"
        )
    concern.refresh_from_db()
    outbox_queue(channel="sms", address=NUMBER, text="late", concern=concern)
    from kenesh.consultations.intake.outbox import forget_reporter

    forget_reporter(concern=concern)
    assert numbers_stored()["outbox"]  # queued: kept to be sent
    opt_out(channel="sms", address=NUMBER)  # STOP: it will never go
    assert OutboxMessage.objects.filter(address=NUMBER, status=OutboxStatus.SUPPRESSED).exists()
    assert numbers_forget(now=T0).messages == 1
    assert numbers_stored() == NOWHERE


def test_messages_of_no_concern_lose_the_number_after_thirty_days() -> None:
    assert receive("Салам", 1) == "unplaced"  # names no village
    outbox_send()
    OutboxMessage.objects.update(created_at=T0)  # the answer went when the message came
    numbers_forget(now=T0 + UNLINKED_KEEP - dt.timedelta(hours=1))
    assert numbers_stored()["inbound"] and numbers_stored()["outbox"]
    numbers_forget(now=T0 + UNLINKED_KEEP + dt.timedelta(hours=1))
    assert numbers_stored() == NOWHERE


# SMS surveys and opt-outs keep a key, not the number ------------------------------------------


def sms_survey() -> Any:
    survey = SurveyFactory.create(sms_enabled=True, sms_keyword="KOOPSUZ")
    choice_question(survey, "feels_safe", ["safe", "unsafe"])
    return survey


def test_a_finished_survey_conversation_keeps_the_key_and_still_answers_once() -> None:
    survey = sms_survey()
    now = dt.datetime.now(dt.UTC)
    assert receive("KOOPSUZ en", 1, at=now) == "survey"
    assert numbers_stored()["session"]  # in clear while it lasts: the questions go to it
    assert receive("1", 2, at=now) == "survey"
    session = SmsSurveySession.objects.get(survey=survey)
    assert session.finished and session.address == address_key(NUMBER)
    assert receive("KOOPSUZ", 3, at=now) == "survey"
    assert "already answered" in OutboxMessage.objects.latest("id").text
    assert SmsSurveySession.objects.get(survey=survey).address == address_key(NUMBER)
    # Another number is not taken for this one.
    other = "+996700000001"
    assert receive("KOOPSUZ en", 4, at=now, sender=other) == "survey"
    assert "already answered" not in OutboxMessage.objects.latest("id").text


def test_stop_in_a_survey_keeps_the_key_and_the_survey_can_start_again() -> None:
    survey = sms_survey()
    now = dt.datetime.now(dt.UTC)
    receive("KOOPSUZ en", 1, at=now)
    assert receive("STOP", 2, at=now) == "stopped"
    session = SmsSurveySession.objects.get(survey=survey)
    assert session.finished and session.address == address_key(NUMBER)
    assert OptOut.objects.get().address == address_key(NUMBER)
    assert numbers_stored()["session"] == numbers_stored()["opt_out"] == []
    assert receive("START", 3, at=now) == "started"
    assert receive("KOOPSUZ en", 4, at=now) == "survey"
    session = SmsSurveySession.objects.get(survey=survey)
    assert session.address == NUMBER and not session.finished
    assert "1 Safe 2 Unsafe" in OutboxMessage.objects.latest("id").text


def test_an_abandoned_survey_conversation_is_keyed_after_thirty_days() -> None:
    survey = sms_survey()
    receive("KOOPSUZ en", 1)
    SmsSurveySession.objects.update(updated_at=T0)
    numbers_forget(now=T0 + UNLINKED_KEEP - dt.timedelta(hours=1))
    assert SmsSurveySession.objects.get(survey=survey).address == NUMBER
    assert numbers_forget(now=T0 + UNLINKED_KEEP + dt.timedelta(hours=1)).keyed == 1
    session = SmsSurveySession.objects.get(survey=survey)
    assert session.address == address_key(NUMBER) and session.updated_at == T0


def test_an_opt_out_kept_in_clear_before_is_keyed_and_still_holds() -> None:
    OptOut.objects.create(channel="telegram", address=CHAT)
    assert is_opted_out("telegram", CHAT)
    assert numbers_forget(now=T0).keyed == 1
    assert OptOut.objects.get().address == address_key(CHAT)
    assert is_opted_out("telegram", CHAT) and not is_opted_out("sms", CHAT)
    assert outbox_queue(channel="telegram", address=CHAT, text="x").status == (
        OutboxStatus.SUPPRESSED
    )
