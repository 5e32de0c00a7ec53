"""API: ``POST /incidents/import``, the address incident imports had before every kind went
through ``POST /imports`` (kenesh.core.imports.api); kept as its alias."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from kenesh.core.access import api_access, requires
from kenesh.core.api import responses
from kenesh.core.imports.api import ImportJobOut, start_import
from kenesh.core.permissions import Action, Resource
from kenesh.incidents.imports.spec import IMPORT_KIND

# Mounted at /incidents: see ../module.py. The jobs are under /imports (the platform's).
router = Router(tags=["incidents"])


@router.post(
    "/import",
    response=responses(ImportJobOut, 202),
    summary="Import incidents from a CSV or XLSX sheet",
    description=(
        "The same as POST /imports with kind=incidents. Stores the file as a job and runs it "
        "in the background; follow it with GET /imports/{id}. All-or-nothing unless "
        "skip_invalid; dry_run only validates. Requires write access to incidents; every "
        "row's municipality must be in the user's territory."
    ),
)
@api_access(requires(Resource.INCIDENTS, Action.WRITE))
def incident_import(
    request: HttpRequest,
    file: File[UploadedFile],
    skip_invalid: Form[bool] = False,
    dry_run: Form[bool] = False,
    mapping: Form[str] = "",
) -> Status[Any]:
    return start_import(
        request, IMPORT_KIND, file, skip_invalid=skip_invalid, dry_run=dry_run, mapping=mapping
    )
