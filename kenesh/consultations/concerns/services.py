"""Writes of the concern pages and API beyond creation and status steps (those are shared, in
kenesh.consultations.services): setting the category, moderating publication, merging
duplicates. Each is one transaction, audited, and leaves a dated step in the concern's history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kenesh.consultations.models import (
    Concern,
    ConcernCategory,
    ConcernEvent,
    ConcernStatus,
    format_reference,
)
from kenesh.consultations.services import concern_create, concern_set_status
from kenesh.core.audit import audit_update, snapshot
from kenesh.core.models import localized_name
from kenesh.geo.selectors import settlement_of

if TYPE_CHECKING:
    from kenesh.accounts.models import User


@transaction.atomic
def concern_enter(*, actor: User | None, data: dict[str, Any]) -> Concern:
    """Record a concern entered on a page or through the API (staff or public): its settlement,
    if any (a unit, a SOATE code or an id), must lie in its municipality
    (:func:`kenesh.geo.selectors.settlement_of`); then the shared
    :func:`kenesh.consultations.services.concern_create` (validated, audited, first event)."""
    data = dict(data)
    if data.get("settlement"):
        data["settlement"] = settlement_of(municipality=data["unit"], code_or_id=data["settlement"])
    else:
        data["settlement"] = None
    return concern_create(actor=actor, data=data)


def _event(concern: Concern, actor: User | None, note: str) -> None:
    ConcernEvent.objects.create(
        concern=concern,
        at=timezone.now(),
        status=concern.status,
        note=note,
        actor=actor if actor is not None and actor.is_authenticated else None,
    )


def _save(concern: Concern, actor: User | None, before: dict[str, object]) -> None:
    concern.full_clean()
    concern.save()
    audit_update(actor, concern, before)


@transaction.atomic
def concern_categorise(
    *, actor: User | None, concern: Concern, category: ConcernCategory | None
) -> Concern:
    """Set (or confirm, or clear) the concern's category; a classifier's suggestion is
    confirmed by choosing it. Nothing changes, and no step is recorded, when it is the same."""
    if concern.category_id == (category.code if category is not None else None):
        return concern
    before = snapshot(concern)
    concern.category = category
    _save(concern, actor, before)
    name = localized_name(category) if category is not None else _("none")
    _event(concern, actor, _("Category: %(name)s") % {"name": name})
    return concern


@transaction.atomic
def concern_moderate(
    *, actor: User | None, concern: Concern, public: bool, checked: bool = False
) -> Concern:
    """Show the concern's text publicly, or stop showing it.

    Showing it needs the reporter's agreement (``public_requested``: the public page says the
    texts are shown with their authors' agreement) and ``checked``: the staff member confirms
    the text names no one and carries no personal data (a phone number, an address, a name).
    Withdrawing needs neither.
    """
    if public and not concern.public_requested:
        raise ValidationError(
            {
                "public": _(
                    "The reporter did not agree to publication: the text cannot be shown publicly."
                )
            }
        )
    if public and not checked:
        raise ValidationError(
            {
                "checked": _(
                    "Confirm that the text names no one and holds no personal data before "
                    "showing it publicly."
                )
            }
        )
    if concern.public == public:
        return concern
    before = snapshot(concern)
    concern.public = public
    _save(concern, actor, before)
    _event(concern, actor, _("Shown publicly") if public else _("No longer shown publicly"))
    return concern


@transaction.atomic
def concern_merge(*, actor: User | None, duplicate: Concern, keep: Concern) -> Concern:
    """Merge ``duplicate`` into ``keep``: both in the same municipality; the duplicate points to
    the one kept (``merged_into``, for staff) and closes as not actionable, "merged with another
    concern about the same problem" (never the kept one's reference: the reason reaches the
    reporter and the public), with its history kept; the concern kept records the merge.
    Returns the duplicate.

    A concern already merged cannot be merged again, nor kept (keep the one it went into).
    """
    if duplicate.pk == keep.pk:
        raise ValidationError({"keep": _("Choose another concern than this one.")})
    if duplicate.unit_id != keep.unit_id:
        raise ValidationError({"keep": _("Both concerns must be of the same municipality.")})
    if duplicate.merged_into_id is not None:
        raise ValidationError({"keep": _("This concern was merged already.")})
    if keep.merged_into_id is not None:
        raise ValidationError(
            {
                "keep": _("That concern was merged into %(reference)s; keep that one instead.")
                % {"reference": format_reference(keep.merged_into.reference)}  # type: ignore[union-attr]
            }
        )
    # Lock both rows, so two merges at once cannot make a cycle.
    locked = {
        concern.pk: concern
        for concern in Concern.objects.select_for_update().filter(pk__in=[duplicate.pk, keep.pk])
    }
    if locked[keep.pk].merged_into_id is not None or locked[duplicate.pk].merged_into_id:
        raise ValidationError({"keep": _("This concern was merged already.")})
    # The reason goes to the reporter (the status reply) and the public status page: it names
    # no reference, which is the only key to the other concern (the link is ``merged_into``).
    reason = _("Merged with another concern about the same problem.")
    before = snapshot(duplicate)
    duplicate.merged_into = keep
    _save(duplicate, actor, before)
    if duplicate.status == ConcernStatus.NOT_ACTIONABLE:
        before = snapshot(duplicate)
        duplicate.status_reason = reason
        _save(duplicate, actor, before)
        _event(duplicate, actor, reason)
    else:
        concern_set_status(
            actor=actor,
            concern=duplicate,
            status=ConcernStatus.NOT_ACTIONABLE,
            reason=reason,
            allow_any=True,
        )
    _event(
        keep,
        actor,
        _("Merged with its duplicate %(reference)s")
        % {"reference": format_reference(duplicate.reference)},
    )
    return duplicate
