"""The SMS gateway's and the Telegram bot's webhooks: what they store and what they refuse."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from kenesh.consultations.intake.outbox import address_key
from kenesh.consultations.models import (
    Concern,
    ConcernChannel,
    InboundMessage,
    OptOut,
    OutboxMessage,
    OutboxStatus,
)
from kenesh.consultations.tests.intake_support import (
    NUMBER,
    SMS_SECRET,
    TELEGRAM_SECRET,
    post_sms,
    post_telegram,
    signed_headers,
    stored,
    telegram_update,
    village,
)
from kenesh.core.access import SIGNATURE_TOLERANCE_SECONDS

pytestmark = pytest.mark.django_db


def newest_concern() -> Concern:
    """The concern the test made (the demo's are in the database too)."""
    return Concern.objects.latest("pk")


THEFT = "Кечээ түндө Сынак-Булуңда малды уурдап кетишти"


@pytest.fixture(autouse=True)
def secrets(settings: Any) -> None:
    settings.KENESH_SMS_SECRET = SMS_SECRET
    settings.KENESH_TELEGRAM_SECRET = TELEGRAM_SECRET
    settings.KENESH_SMS_SENDER = "kenesh.consultations.intake.senders.ConsoleSender"
    settings.KENESH_TELEGRAM_SENDER = "kenesh.consultations.intake.senders.ConsoleSender"


# SMS -------------------------------------------------------------------------------------------


def test_a_signed_sms_stores_one_concern_and_sends_its_reference_number(
    django_capture_on_commit_callbacks: Any, capsys: Any
) -> None:
    place = village()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_sms({"from": "0555 123 456"}, message_id="gw-1", text=THEFT)
    assert response.status_code == 200, response.content
    assert response.json() == {"result": "concern"}
    concern = newest_concern()
    assert concern.channel == ConcernChannel.SMS
    assert concern.unit == place.parent
    assert concern.settlement == place
    assert concern.suggested_category_id == "livestock_theft"
    assert concern.category_id is None  # staff confirm the suggestion
    assert concern.anonymous and concern.contact == ""
    assert (concern.reply_channel, concern.reply_address) == ("sms", NUMBER)
    assert concern.language == "ky"
    assert InboundMessage.objects.get().concern == concern
    reply = OutboxMessage.objects.get()
    assert reply.address == NUMBER
    assert concern.display_reference in reply.text
    assert reply.status == OutboxStatus.SENT  # the console sender, run after the commit
    assert concern.display_reference in capsys.readouterr().out


def test_a_form_encoded_sms_is_taken_as_json_is() -> None:
    village()
    response = post_sms(message_id="gw-form", text=THEFT, form=True)
    assert response.status_code == 200, response.content
    assert newest_concern().text == THEFT


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda body: signed_headers(body, secret="another-secret"), id="wrong-secret"),
        pytest.param(lambda body: signed_headers(b"{}"), id="another-body"),
        pytest.param(
            lambda body: signed_headers(body, at=time.time() - SIGNATURE_TOLERANCE_SECONDS - 5),
            id="expired",
        ),
        pytest.param(
            lambda body: {**signed_headers(body), "X-Kenesh-Timestamp": "yesterday"},
            id="bad-timestamp",
        ),
    ],
)
def test_a_wrongly_signed_or_expired_sms_is_refused_with_403_and_nothing_stored(
    headers: Any,
) -> None:
    village()
    body = json.dumps({"message_id": "x", "from": NUMBER, "text": THEFT}).encode()
    response = post_sms(body=body, headers=headers(body))
    assert response.status_code == 403
    assert stored() == (0, 0, 0, 0)


def test_an_unsigned_sms_is_refused_with_401_and_nothing_stored() -> None:
    village()
    response = post_sms(message_id="x", text=THEFT, headers={})
    assert response.status_code == 401
    assert stored() == (0, 0, 0, 0)


def test_an_sms_webhook_without_a_configured_secret_refuses_even_a_signed_request(
    settings: Any,
) -> None:
    settings.KENESH_SMS_SECRET = ""
    village()
    response = post_sms(message_id="x", text=THEFT)
    assert response.status_code == 403
    assert stored() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[1, 2]", id="not-an-object"),
        pytest.param(json.dumps({"from": NUMBER, "text": "x"}).encode(), id="no-message-id"),
        pytest.param(json.dumps({"message_id": "1", "text": "x"}).encode(), id="no-sender"),
        pytest.param(json.dumps({"message_id": "1", "from": NUMBER}).encode(), id="no-text"),
        pytest.param(
            json.dumps({"message_id": "1", "from": NUMBER, "text": "   "}).encode(), id="blank"
        ),
        pytest.param(
            json.dumps(
                {"message_id": "1", "from": NUMBER, "text": "x", "received_at": "soon"}
            ).encode(),
            id="bad-time",
        ),
        pytest.param(
            json.dumps(
                {"message_id": "1", "from": NUMBER, "text": "x", "received_at": "2199-01-01T00:00"}
            ).encode(),
            id="future-time",
        ),
        pytest.param(
            json.dumps({"message_id": "1", "from": NUMBER, "text": "x" * 5001}).encode(),
            id="too-long",
        ),
    ],
)
def test_a_malformed_sms_is_refused_with_400_and_nothing_stored(body: bytes) -> None:
    response = post_sms(body=body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"]
    assert stored() == (0, 0, 0, 0)


def test_a_repeated_message_id_answers_200_and_stores_nothing_new() -> None:
    village()
    assert post_sms(message_id="gw-7", text=THEFT).json() == {"result": "concern"}
    before = stored()
    again = post_sms(message_id="gw-7", text=THEFT)
    assert again.status_code == 200
    assert again.json() == {"result": "duplicate"}
    assert stored() == before


def test_the_gateways_time_of_receipt_is_kept() -> None:
    village()
    post_sms(message_id="gw-t", text=THEFT, received_at="2025-03-01T08:30:00+06:00")
    assert newest_concern().received_at.isoformat() == "2025-03-01T02:30:00+00:00"


@pytest.mark.parametrize("word", ["STOP", " stop ", "Стоп", "ТОКТО", "токто."])
def test_stop_opts_the_number_out_without_a_reply(
    word: str, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = post_sms(message_id="gw-stop", text=word)
    assert response.json() == {"result": "stopped"}
    # The opt-out keeps the number's key, not the number.
    assert OptOut.objects.get(channel="sms").address == address_key(NUMBER)
    assert OutboxMessage.objects.count() == 0


def test_no_message_ever_goes_to_a_number_that_sent_stop(
    django_capture_on_commit_callbacks: Any, capsys: Any
) -> None:
    village()
    post_sms(message_id="gw-stop", text="STOP")
    with django_capture_on_commit_callbacks(execute=True):
        response = post_sms(message_id="gw-after", text=THEFT)
    assert response.json() == {"result": "concern"}  # still heard
    reply = OutboxMessage.objects.get()
    assert reply.status == OutboxStatus.SUPPRESSED
    assert capsys.readouterr().out == ""


def test_start_lets_messages_go_again() -> None:
    post_sms(message_id="gw-stop", text="STOP")
    assert post_sms(message_id="gw-start", text="СТАРТ").json() == {"result": "started"}
    assert not OptOut.objects.exists()
    assert OutboxMessage.objects.get().status == OutboxStatus.QUEUED


def test_a_message_naming_no_village_is_kept_and_the_sender_asked_for_it() -> None:
    place = village()
    first = post_sms(message_id="gw-a", text="Көчөдө жарык жок, караңгы")
    assert first.json() == {"result": "unplaced"}
    assert stored()[1] == 0
    assert InboundMessage.objects.get().concern is None
    ask = OutboxMessage.objects.get()
    assert ask.address == NUMBER and ask.concern is None
    second = post_sms(message_id="gw-b", text="Сынак-Булуң")
    assert second.json() == {"result": "concern"}
    concern = newest_concern()
    assert concern.text == "Көчөдө жарык жок, караңгы\nСынак-Булуң"
    assert concern.settlement == place
    assert concern.suggested_category_id == "street_lighting"
    assert set(InboundMessage.objects.values_list("concern", flat=True)) == {concern.pk}


# Telegram ------------------------------------------------------------------------------------


def test_a_telegram_message_with_the_secret_token_stores_a_concern_and_replies_to_the_chat(
    django_capture_on_commit_callbacks: Any,
) -> None:
    place = village()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_telegram(
            telegram_update("В селе Сынак-Булун бродячие собаки нападают на детей", chat=4242)
        )
    assert response.status_code == 200, response.content
    concern = newest_concern()
    assert concern.channel == ConcernChannel.TELEGRAM
    assert concern.unit == place.parent
    assert concern.suggested_category_id == "stray_dogs"
    assert concern.language == "ru"
    assert (concern.reply_channel, concern.reply_address) == ("telegram", "4242")
    reply = OutboxMessage.objects.get()
    assert (reply.channel, reply.address) == ("telegram", "4242")
    assert concern.display_reference in reply.text


def test_a_telegram_update_with_a_wrong_token_is_refused_with_403_and_nothing_stored() -> None:
    village()
    response = post_telegram(telegram_update("Сынак-Булуң мал"), token="guessed")
    assert response.status_code == 403
    assert stored() == (0, 0, 0, 0)


def test_a_telegram_update_without_the_token_is_refused_with_401() -> None:
    village()
    assert post_telegram(telegram_update("Сынак-Булуң мал"), token=None).status_code == 401
    assert stored() == (0, 0, 0, 0)


@pytest.mark.parametrize(
    "update",
    [
        pytest.param(b"{not json", id="not-json"),
        pytest.param({"message": {"text": "hi"}}, id="no-update-id"),
        pytest.param({"update_id": 1, "message": {"text": "hi"}}, id="no-chat"),
        pytest.param({"update_id": "one"}, id="bad-update-id"),
    ],
)
def test_a_malformed_telegram_update_is_refused_with_400_and_nothing_stored(update: Any) -> None:
    response = post_telegram(update)
    assert response.status_code == 400, response.content
    assert stored() == (0, 0, 0, 0)


def test_a_telegram_update_delivered_twice_is_taken_once() -> None:
    village()
    update = telegram_update("Сынак-Булуңда иттер көп", chat=9, message_id=3)
    assert post_telegram(update).json() == {"result": "concern"}
    assert post_telegram(update).json() == {"result": "duplicate"}
    assert stored()[1] == 1


def test_start_in_telegram_answers_a_welcome_in_kyrgyz_and_russian() -> None:
    response = post_telegram(telegram_update("/start", chat=31))
    assert response.json() == {"result": "started"}
    welcome = OutboxMessage.objects.get()
    assert welcome.address == "31"
    kyrgyz, russian = welcome.text.split("\n\n")  # one paragraph in each language
    assert "Kenesh" in kyrgyz and "Kenesh" in russian


def test_group_chats_and_updates_without_text_are_ignored() -> None:
    group = telegram_update("Сынак-Булуң мал", chat=-100)
    group["message"]["chat"]["type"] = "group"
    assert post_telegram(group).json() == {"result": "ignored"}
    sticker = telegram_update("", chat=5)
    del sticker["message"]["text"]
    assert post_telegram(sticker).json() == {"result": "ignored"}
    assert post_telegram({"update_id": 8, "edited_message": {}}).json() == {"result": "ignored"}
    assert stored() == (0, 0, 0, 0)
