"""The health check for load balancers and the API's answer to unknown addresses."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from kenesh.core.access import PUBLIC, access
from kenesh.core.middleware import api_error


@access(PUBLIC)
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok", "database": "ok"}``, or 503 with the reason the database failed."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return JsonResponse(
            {"status": "error", "database": "unreachable", "reason": str(exc)[:200]}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})


@access(PUBLIC)
@csrf_exempt  # nothing happens here; a session PATCH must get the JSON 404, not a CSRF page
def api_not_found(request: HttpRequest) -> JsonResponse:
    """Unknown addresses under /api/ answer in the API's error shape, not with an HTML page."""
    return api_error(404, _("Not found."))
