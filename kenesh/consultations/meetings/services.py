"""Writes on community meetings: the meeting with its organisers and attendance, the concerns
raised at it, and its attachments (kept through Django's storage, served only by a scoped view).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kenesh.consultations.meetings.files import check_attachment
from kenesh.consultations.models import (
    ATTENDANCE_FIELDS,
    Concern,
    ConcernChannel,
    Meeting,
    MeetingAttachment,
)
from kenesh.consultations.services import concern_create
from kenesh.core.audit import audit_create, audit_delete
from kenesh.core.dates import validate_not_too_early
from kenesh.core.models import AuditAction, AuditEntry
from kenesh.core.services import model_create, model_update
from kenesh.geo.models import AdministrativeUnit, Level
from kenesh.geo.selectors import settlement_of
from kenesh.orgs.models import Organisation

if TYPE_CHECKING:
    from kenesh.accounts.models import User

NAME_LENGTH = 200  # MeetingAttachment.name


def _check_place(unit: AdministrativeUnit | None, data: dict[str, Any]) -> dict[str, Any]:
    """The errors of the place: the unit must be a municipality, and ``data["settlement"]`` (a
    unit, a SOATE code or an id), if any, one of its settlements; replaced in ``data`` by the
    settlement found (:func:`kenesh.geo.selectors.settlement_of`)."""
    if unit is not None and unit.level != Level.MUNICIPALITY:
        return {"unit": _("Choose a municipality.")}
    if unit is None or not data.get("settlement"):
        if "settlement" in data:
            data["settlement"] = None
        return {}
    try:
        data["settlement"] = settlement_of(municipality=unit, code_or_id=data["settlement"])
    except ValidationError as exc:
        return dict(exc.message_dict)
    return {}


def _check_held_on(held_on: dt.date | None) -> dict[str, Any]:
    if held_on is None:
        return {}
    try:
        validate_not_too_early(held_on)
    except ValidationError as exc:
        return {"held_on": exc.messages}
    if held_on > timezone.localdate():
        return {"held_on": _("A meeting is recorded once it has been held: the date is ahead.")}
    return {}


def _check_organisers(unit: AdministrativeUnit, organisers: Iterable[Organisation]) -> None:
    """Organisers lie at the meeting's municipality, below it or above it."""
    for organisation in organisers:
        where = organisation.unit.path
        if not (where.startswith(unit.path) or unit.path.startswith(where)):
            raise ValidationError(
                {
                    "organisers": _(
                        "%(name)s works elsewhere: choose organisations of the municipality, "
                        "of its settlements, or of the rayon, oblast or country above it."
                    )
                    % {"name": organisation.name}
                }
            )


def _record_organisers(
    actor: User | None, meeting: Meeting, before: list[int], after: list[int]
) -> None:
    """An audit entry for a change of organisers: a many-to-many relation is not in the
    snapshot the create and update entries keep (kenesh.core.audit)."""
    if before == after:
        return
    AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_username=actor.get_username() if actor is not None else "",
        action=AuditAction.UPDATE,
        app_label=meeting._meta.app_label,
        model=meeting._meta.model_name or "",
        object_id=str(meeting.pk),
        object_repr=str(meeting)[:200],
        unit_path=meeting.unit.path,
        changes={"organisers": [before, after]},
    )


def _validate(data: dict[str, Any], unit: AdministrativeUnit) -> None:
    """Check the place and date; ``data["settlement"]`` becomes the settlement found."""
    errors: dict[str, Any] = {}
    errors.update(_check_place(unit, data))
    errors.update(_check_held_on(data.get("held_on")))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def meeting_create(
    *, actor: User | None, data: dict[str, Any], organisers: Iterable[Organisation] = ()
) -> Meeting:
    """Record a meeting held in a municipality: place, date, kind, attendance by sex and age
    band (counts left out are 0), decisions and minutes; its organisers lie at the
    municipality, below or above it. Validated, audited (organisers in an entry of their own)."""
    data = {**{name: 0 for name in ATTENDANCE_FIELDS}, **data}
    organisers = list(organisers)
    unit = data["unit"]
    _validate(data, unit)
    _check_organisers(unit, organisers)
    if actor is not None and actor.is_authenticated:
        data.setdefault("created_by", actor)
    meeting = model_create(model=Meeting, actor=actor, data=data)
    if organisers:
        meeting.organisers.set(organisers)
        _record_organisers(actor, meeting, [], sorted(o.pk for o in organisers))
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor: User | None,
    meeting: Meeting,
    data: dict[str, Any],
    organisers: Iterable[Organisation] | None = None,
) -> Meeting:
    """Change a meeting (it stays in its municipality); ``organisers`` ``None`` keeps them."""
    data = dict(data)
    if "unit" in data and data["unit"] != meeting.unit:
        raise ValidationError({"unit": _("A meeting stays in its municipality.")})
    data.pop("unit", None)
    checked = {"settlement": data.get("settlement", meeting.settlement)}
    if "held_on" in data:
        checked["held_on"] = data["held_on"]
    _validate(checked, meeting.unit)
    if "settlement" in data:
        data["settlement"] = checked["settlement"]
    if organisers is not None:
        organisers = list(organisers)
        _check_organisers(meeting.unit, organisers)
    model_update(instance=meeting, actor=actor, data=data)
    if organisers is not None:
        before = sorted(meeting.organisers.values_list("pk", flat=True))
        meeting.organisers.set(organisers)
        _record_organisers(actor, meeting, before, sorted(o.pk for o in organisers))
    return meeting


def _received_at(meeting: Meeting) -> dt.datetime:
    """When a concern raised at a meeting was received: on the meeting's day (at noon, local
    time) when it is entered later, so that the priority matrix counts it in its period."""
    now = timezone.now()
    if meeting.held_on >= timezone.localdate(now):
        return now
    noon = dt.datetime.combine(meeting.held_on, dt.time(12, 0))
    return timezone.make_aware(noon)


@transaction.atomic
def meeting_concern_add(*, actor: User | None, meeting: Meeting, data: dict[str, Any]) -> Concern:
    """Record a concern a participant raised at the meeting: channel "meeting", linked to it,
    in its municipality (a settlement of it, if given), through
    :func:`kenesh.consultations.services.concern_create` (validated, audited, first event)."""
    place = {"settlement": data.get("settlement")}
    errors = _check_place(meeting.unit, place)
    if errors:
        raise ValidationError(errors)
    settlement = place["settlement"]
    values = {
        "text": data["text"],
        "category": data.get("category"),
        "settlement": settlement,
        "anonymous": bool(data.get("anonymous")),
        "unit": meeting.unit,
        "meeting": meeting,
        "channel": ConcernChannel.MEETING,
        "received_at": _received_at(meeting),
    }
    return concern_create(actor=actor, data=values)


def attachment_name(name: str) -> str:
    """The name an attachment is shown and downloaded under: the file's own name without any
    folder, without control characters and quotes, at most 200 characters (the extension
    kept)."""
    base = PurePath(name.replace("\\", "/")).name
    cleaned = "".join(
        ch for ch in base if unicodedata.category(ch)[0] != "C" and ch not in '"<>|*?:/'
    ).strip(" .")
    if len(cleaned) > NAME_LENGTH:
        suffix = PurePath(cleaned).suffix[:20]
        cleaned = cleaned[: NAME_LENGTH - len(suffix)] + suffix
    return cleaned or "attachment"


def attachment_add(
    *, actor: User | None, meeting: Meeting, upload: UploadedFile
) -> MeetingAttachment:
    """Keep a file of the meeting: size and kind checked (extension and content, never the
    browser's word, :mod:`kenesh.consultations.meetings.files`) before anything is written,
    stored under a random name through Django's default storage, recorded and audited.
    A refused file leaves nothing behind, in the database or the storage."""
    name = attachment_name(upload.name or "")
    size = int(upload.size or 0)
    stream = upload.file
    if stream is None:
        raise ValidationError({"file": _("The file is empty.")})
    kind = check_attachment(name, size, stream)
    attachment = MeetingAttachment(
        meeting=meeting,
        name=name,
        content_type=kind.content_type,
        size=size,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    upload.seek(0)
    attachment.file.save(name, upload, save=False)
    stored = attachment.file.name
    try:
        with transaction.atomic():
            attachment.full_clean()
            attachment.save()
            audit_create(actor, attachment)
    except BaseException:
        attachment.file.storage.delete(stored)
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User | None, attachment: MeetingAttachment) -> None:
    """Remove an attachment: the record (audited, with its name, size and type) now, the
    stored file once the deletion is committed."""
    storage = attachment.file.storage
    stored = attachment.file.name
    audit_delete(actor, attachment)
    attachment.delete()
    if stored:
        transaction.on_commit(lambda: storage.delete(stored))
