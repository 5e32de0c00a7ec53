"""What every API router shares: authentication, the error shape, pagination."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Generic, TypeVar

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from kenesh.core.dates import EARLIEST_DATE, ISO_DATE_MESSAGE, earliest_date_message

T = TypeVar("T")

ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _iso_date_text(value: Any) -> Any:
    # pydantic would also read a number as seconds since 1970 ("to=0"): dates are ISO only.
    if isinstance(value, dt.date) or (isinstance(value, str) and re.fullmatch(ISO_DATE, value)):
        return value
    raise PydanticCustomError("date_format", str(ISO_DATE_MESSAGE))


def _not_too_early(value: dt.date) -> dt.date:
    if value < EARLIEST_DATE:
        raise PydanticCustomError("date_too_early", earliest_date_message())
    return value


#: The one date type of every API schema: YYYY-MM-DD, not before 1991 (kenesh.core.dates).
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text), AfterValidator(_not_too_early)]


class InputSchema(Schema):
    """A request body: a JSON object and nothing else.

    django-ninja's ``Schema`` reads attributes of whatever it is given (so that it can serialise
    model instances); without this check a JSON array or number in a request body would pass as
    an object with every optional field left out, and a PATCH of ``[1]`` would answer 200.
    """

    # Unknown fields are an error, not silently dropped: a PATCH of {"unit": ...} must not
    # answer 200 while changing nothing.
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _require_json_object(cls, data: Any) -> Any:
        # Schema's own validator runs first and wraps the input in a DjangoGetter.
        raw = data._obj if isinstance(data, DjangoGetter) else data
        if not isinstance(raw, dict | BaseModel):
            raise PydanticCustomError("model_type", "Input should be a JSON object")
        return data


class FieldError(Schema):
    loc: list[str | int] = Field(description="Where the error is: body, query or path, then names")
    msg: str
    type: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


class Page(Schema, Generic[T]):
    count: int
    items: list[T]


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=500, description="How many items to return (1 to 500)")
    offset: int = Field(0, ge=0, le=10_000_000, description="How many items to skip")


class NulCharacterError(ValueError):
    """A request carries the NUL character, which no text field can hold."""


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class RequestParser(Parser):
    """JSON bodies and query strings, refusing the NUL character in any text.

    PostgreSQL cannot store NUL in text and answers even a lookup with an error, so it is
    refused here, once for every operation, as bad input (422).
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        if _has_nul(data):
            raise NulCharacterError(_("Text may not contain the NUL character."))
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        for key, values in data.lists():
            if _has_nul(key) or _has_nul(values):
                raise ValidationError(
                    [
                        {
                            "loc": ["query", key.replace("\x00", "")],
                            "msg": _("Text may not contain the NUL character."),
                            "type": "string_nul",
                        }
                    ]
                )
        return super().parse_querydict(data, list_fields, request)


def paginate(queryset: QuerySet[Any], page: PageParams) -> dict[str, Any]:
    return {
        "count": queryset.count(),
        "items": list(queryset[page.offset : page.offset + page.limit]),
    }


PageQuery = Query[PageParams]

ERRORS: dict[int, type[Schema]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}


def responses(ok: Any, status: int = 200) -> dict[int, Any]:
    """The response map of an authenticated operation: its answer plus the error shapes."""
    return {status: ok, **ERRORS}


def _plain_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "loc": [part if isinstance(part, int) else str(part) for part in error.get("loc", [])],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]


def _django_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    if hasattr(exc, "error_dict"):
        return [
            {"loc": ["body", field], "msg": message, "type": "invalid"}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [{"loc": ["body"], "msg": message, "type": "invalid"} for message in exc.messages]


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error answers ``{"detail": ..., "errors": [...]}`` with a 4xx status."""

    def error(request: HttpRequest, status: int, detail: str, errors: Any = ()) -> HttpResponse:
        return api.create_response(
            request, {"detail": detail, "errors": list(errors)}, status=status
        )

    def on_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        return error(request, 422, _("The request is not valid."), _plain_errors(exc.errors))

    def on_model_validation(request: HttpRequest, exc: Any) -> HttpResponse:
        return error(request, 422, _("The data is not valid."), _django_errors(exc))

    def on_authentication(request: HttpRequest, exc: Any) -> HttpResponse:
        return error(request, 401, _("Authentication required."))

    def unreadable_body(
        request: HttpRequest, message: str, kind: str = "body_unreadable"
    ) -> HttpResponse:
        errors = [{"loc": ["body"], "msg": message, "type": kind}]
        return error(request, 422, _("The request is not valid."), errors)

    def on_http_error(request: HttpRequest, exc: Any) -> HttpResponse:
        if exc.status_code == 400:
            # django-ninja's 400 is a body it cannot parse: bad input like any other (422).
            if isinstance(exc.__cause__, NulCharacterError):
                return unreadable_body(request, str(exc.__cause__), "string_nul")
            return unreadable_body(request, str(exc))
        return error(request, exc.status_code, str(exc))

    def on_unreadable_request(request: HttpRequest, exc: Any) -> HttpResponse:
        # Django answers these with an HTML 400 page; they come from a body that cannot be
        # read as form data (e.g. a CSRF check of a session request reading request.POST).
        return unreadable_body(request, _("The request body cannot be read."))

    def on_not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return error(request, 404, _("Not found."))

    def on_forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return error(request, 403, _("You do not have permission to do this."))

    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(DjangoValidationError, on_model_validation)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_forbidden)
    api.add_exception_handler(MultiPartParserError, on_unreadable_request)
    api.add_exception_handler(SuspiciousOperation, on_unreadable_request)
    api.add_exception_handler(UnreadablePostError, on_unreadable_request)
