"""The security log's record of refused writes."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse

from kenesh.accounts.models import SecurityEventKind, User
from kenesh.accounts.services import security_event_record
from kenesh.accounts.signals import RECORDED

logger = logging.getLogger(__name__)

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REFUSED = frozenset({401, 403, 404})


class SecurityTrail:
    """Write a security event for every write refused with 401, 403 or 404: a missing or bad
    credential, a missing role or CSRF token, an object outside the user's area.

    The event is written after the view has answered, outside its transaction; a database that
    cannot take it (a connection left in a failed transaction) costs the event, never the
    answer. A login failure already in the log (the API's 401 for a wrong password) is not
    written twice.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.method in WRITE_METHODS
            and response.status_code in REFUSED
            and not getattr(request, RECORDED, False)
        ):
            self._record(request, response.status_code)
        return response

    def _record(self, request: HttpRequest, status: int) -> None:
        if connection.in_atomic_block and connection.needs_rollback:
            logger.warning("Security log: refused %s %s not recorded", request.method, request.path)
            return
        user = getattr(request, "user", None)
        try:
            with transaction.atomic():
                security_event_record(
                    kind=SecurityEventKind.WRITE_REFUSED,
                    request=request,
                    user=user if isinstance(user, User) and user.is_authenticated else None,
                    status=status,
                )
        except DatabaseError:
            logger.exception(
                "Security log: refused %s %s not recorded", request.method, request.path
            )
