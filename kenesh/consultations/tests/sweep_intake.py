"""The sweeps' samples for the SMS and Telegram intake (kenesh/portal/tests/sweeping.py): the
messages, replies, opt-outs and SMS survey sessions whose phone number or chat id is restricted
(the public check of the permission sweep, and the masking sweep's sentinels: no API schema
shows them to anyone, not even to a role with ``restricted`` on concerns)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from kenesh.consultations.models import (
    InboundMessage,
    MessageChannel,
    OptOut,
    OutboxMessage,
    OutboxStatus,
    SmsSurveySession,
    Survey,
    SurveyStatus,
)
from kenesh.consultations.tests.factories import ConcernFactory, SurveyFactory
from kenesh.consultations.tests.sweep_concerns import concern
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents.tests.masking_support import SentinelMaker
from kenesh.portal.tests.sweeping import Place

_ids = itertools.count(1)


def _draft_survey(unit: AdministrativeUnit) -> Survey:
    """A survey nobody outside sees (a draft), to hang SMS sessions on."""
    made: Survey = SurveyFactory.create(unit=unit, status=SurveyStatus.DRAFT, sms_enabled=False)
    return made


def _inbound(place: Place, values: dict[str, str]) -> InboundMessage:
    """An SMS that became the sweep's concern of A (the concern's pages must not show its
    sender)."""
    return InboundMessage.objects.create(
        channel=MessageChannel.SMS,
        message_id=f"sweep-{next(_ids)}",
        text="Sweep message from the intake",
        concern=concern(place),
        **values,
    )


def _outbox(place: Place, values: dict[str, str]) -> OutboxMessage:
    return OutboxMessage.objects.create(
        channel=MessageChannel.SMS,
        text="Sweep reply",
        concern=concern(place),
        status=OutboxStatus.SENT,
        **values,
    )


def _opt_out(place: Place, values: dict[str, str]) -> OptOut:
    # One number opts out once (unique by channel and address): the same row each time.
    made, _created = OptOut.objects.get_or_create(
        channel=MessageChannel.SMS, address=values["address"]
    )
    return made


def _session(place: Place, values: dict[str, str]) -> SmsSurveySession:
    survey = place.once("intake_survey", lambda: _draft_survey(place.a))
    made, _created = SmsSurveySession.objects.get_or_create(
        survey=survey, address=values["address"]
    )
    return made


RESTRICTED_SAMPLES: dict[str, Callable[[Place, dict[str, str]], Any]] = {
    "consultations.inboundmessage": _inbound,
    "consultations.outboxmessage": _outbox,
    "consultations.optout": _opt_out,
    "consultations.smssurveysession": _session,
}

#: A number no API schema may show to anyone (a sentinel in each restricted field).
NUMBER_SENTINEL = "+996999000517"


def _number_leaks(field: str) -> Callable[[str], list[str]]:
    return lambda text: [field] if NUMBER_SENTINEL in text else []


def _sentinel_inbound(unit: AdministrativeUnit) -> InboundMessage:
    return InboundMessage.objects.create(
        channel=MessageChannel.SMS,
        message_id=f"sentinel-{next(_ids)}",
        sender=NUMBER_SENTINEL,
        text="Sentinel message",
        concern=ConcernFactory.create(unit=unit, reply_channel="sms"),
    )


def _sentinel_outbox(unit: AdministrativeUnit) -> OutboxMessage:
    return OutboxMessage.objects.create(
        channel=MessageChannel.SMS,
        address=NUMBER_SENTINEL,
        text="Sentinel reply",
        concern=ConcernFactory.create(unit=unit, reply_channel="sms"),
    )


def _sentinel_opt_out(unit: AdministrativeUnit) -> OptOut:
    made, _created = OptOut.objects.get_or_create(
        channel=MessageChannel.SMS, address=NUMBER_SENTINEL
    )
    return made


def _sentinel_session(unit: AdministrativeUnit) -> SmsSurveySession:
    return SmsSurveySession.objects.create(survey=_draft_survey(unit), address=NUMBER_SENTINEL)


SENTINEL_MAKERS: dict[type[Any], SentinelMaker] = {
    InboundMessage: SentinelMaker(
        _sentinel_inbound, _number_leaks("sender"), never_shown=("sender",)
    ),
    OutboxMessage: SentinelMaker(
        _sentinel_outbox, _number_leaks("address"), never_shown=("address",)
    ),
    OptOut: SentinelMaker(_sentinel_opt_out, _number_leaks("address"), never_shown=("address",)),
    SmsSurveySession: SentinelMaker(
        _sentinel_session, _number_leaks("address"), never_shown=("address",)
    ),
}
