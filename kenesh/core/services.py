"""Generic create and update used by domain services: validate, save, audit, in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from kenesh.core.audit import audit_create, audit_update, snapshot

if TYPE_CHECKING:
    from kenesh.accounts.models import User

M = TypeVar("M", bound=models.Model)

#: The codes Django gives a repeated unique value (a field's ``unique``, ``unique_together`` and
#: a ``UniqueConstraint`` on fields without a message of its own).
UNIQUE_CODES = frozenset({"unique", "unique_together"})


class Conflict(ValidationError):
    """A write refused because a record already stored holds the same unique value.

    The data is valid in itself; the register already has it (answered 409 by the API, shown
    as a form error on pages, where it is a ``ValidationError`` like any other). It carries
    the errors Django's own uniqueness check gives, by field.
    """


def _unique_codes(model: type[models.Model]) -> frozenset[str]:
    """The error codes that mean "already stored" for ``model``: Django's own, and the
    ``violation_error_code`` of each of its unique constraints."""
    own = {
        constraint.violation_error_code
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint) and constraint.violation_error_code
    }
    return UNIQUE_CODES | own


def _as_conflict(instance: models.Model, exc: ValidationError) -> ValidationError:
    """``exc`` as a :class:`Conflict` when every error in it is a repeated unique value (an
    invalid value as well makes it a plain validation error: the caller must fix that first)."""
    if not hasattr(exc, "error_dict"):
        return exc
    codes = _unique_codes(type(instance))
    errors = [error for field in exc.error_dict.values() for error in field]
    if errors and all(error.code in codes for error in errors):
        return Conflict(exc.error_dict)
    return exc


def _validate_and_save(instance: models.Model) -> None:
    """Validate ``instance`` fully and save it, with what another transaction stored between
    the check and the write reported like what was there before.

    Two requests with the same unique value can both pass the check; the database's unique
    index then refuses the second insert. The save runs in a savepoint, so after that refusal
    the surrounding transaction is usable: the check runs again, now sees the committed row,
    and the write ends as a :class:`Conflict` instead of a server error.
    """
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise _as_conflict(instance, exc) from None
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as integrity:
        errors: dict[str, list[ValidationError]] = {}
        for check in (instance.validate_unique, instance.validate_constraints):
            try:
                check()
            except ValidationError as exc:
                exc.update_error_dict(errors)
        conflict = _as_conflict(instance, ValidationError(errors)) if errors else None
        if isinstance(conflict, Conflict):
            raise conflict from integrity
        raise


@transaction.atomic
def model_create(*, model: type[M], actor: User | None, data: dict[str, Any]) -> M:
    """Create a ``model`` from ``data`` after full validation, and audit it.

    Raises ``ValidationError``, or :class:`Conflict` when a unique value is already stored
    (also when it was stored by a concurrent request after the check)."""
    instance = model(**data)
    _validate_and_save(instance)
    audit_create(actor, instance)
    return instance


@transaction.atomic
def model_update(*, instance: M, actor: User | None, data: dict[str, Any]) -> M:
    """Apply ``data`` to ``instance``, validate, save and audit the fields that changed.

    Raises as :func:`model_create` does."""
    before = snapshot(instance)
    for field, value in data.items():
        setattr(instance, field, value)
    _validate_and_save(instance)
    audit_update(actor, instance, before)
    return instance
