"""What every API router shares: authentication, the error shape, pagination."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, ClassVar, Generic, TypeVar, get_args

from django.core import signals
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils.datastructures import MultiValueDict
from django.utils.log import log_response
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from ninja import NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.schema import DjangoGetter
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema
from pydantic_core.core_schema import ErrorType

from kenesh.core.dates import EARLIEST_DATE, ISO_DATE_MESSAGE, earliest_date_message
from kenesh.core.db import BUSY_RETRY_AFTER_S, busy_message, is_database_busy
from kenesh.core.formats import format_number
from kenesh.core.services import Conflict

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
            raise PydanticCustomError("model_type", str(_("Give a JSON object.")))
        return data


class PatchSchema(InputSchema):
    """A change: fields left out stay as they are, and null is a value only for the fields in
    ``nullable`` (a settlement, a time of day, an end date: things that may be unknown).

    Null anywhere else is refused with 422 at its field instead of being read as "left out":
    a client that sends ``{"status": null}`` believes it cleared the status, and must hear
    that it did not. The OpenAPI document shows those fields as not nullable.
    """

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_allowed(cls, value: Any, info: ValidationInfo) -> Any:
        # Runs for values sent, never for the default of a field left out.
        if value is None and info.field_name not in cls.nullable:
            raise PydanticCustomError(
                "null_not_allowed", _("This field cannot be null; leave it out to keep its value.")
            )
        return value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core)
        properties = handler.resolve_ref_schema(schema).get("properties", {})
        for name, field in properties.items():
            if name in cls.nullable:
                continue
            if field.get("default", ...) is None:
                del field["default"]
            choices = [choice for choice in field.get("anyOf", []) if choice != {"type": "null"}]
            if len(choices) == 1:
                del field["anyOf"]
                field.update(choices[0])
            elif choices:
                field["anyOf"] = choices
        return schema


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


def responses(ok: Any, status: int = 200, *, conflict: bool = False) -> dict[int, Any]:
    """The response map of an authenticated operation: its answer plus the error shapes;
    ``conflict`` for a write that can meet a record already stored (409)."""
    return {status: ok, **ERRORS, **({409: ErrorOut} if conflict else {})}


class UnicodeJSONRenderer(JSONRenderer):
    """JSON as UTF-8 text, not ``\\u`` escapes: a name in Kyrgyz or Russian reads as itself in
    a terminal (``curl``), a log or a browser. The content type says ``charset=utf-8``."""

    json_dumps_params = {"ensure_ascii": False}


#: pydantic's own error types, whose English messages are replaced by the ones below.
PYDANTIC_ERROR_TYPES = frozenset(get_args(ErrorType))

# What each of pydantic's error types says, in the request's language (gettext). Where Django's
# forms say the same thing their words are used (and their translations in ky and ru with
# them); ``%(limit_value)s`` is the bound from pydantic's context (``ctx``) of that type.
# ``type`` and ``loc`` stay as pydantic gives them, for programs.
_REQUIRED = gettext_lazy("This field is required.")
_WHOLE_NUMBER = gettext_lazy("Enter a whole number.")
_NUMBER = gettext_lazy("Enter a number.")
_JSON_OBJECT = gettext_lazy("Give a JSON object.")
_LIST = gettext_lazy("Give a list.")
_TEXT = gettext_lazy("Give a text value.")
_TRUE_OR_FALSE = gettext_lazy("Give true or false.")
_TIME = gettext_lazy("Enter a valid time.")
_DATETIME = gettext_lazy("Enter a valid date/time.")
_URL = gettext_lazy("Enter a valid URL.")
_UUID = gettext_lazy("Enter a valid UUID.")
_CHOICE = gettext_lazy("Give one of: %(expected)s.")
_MESSAGES: dict[str, Any] = {
    "missing": _REQUIRED,
    "extra_forbidden": gettext_lazy("This field is not known here; check its name."),
    "json_invalid": gettext_lazy("Enter a valid JSON."),
    "json_type": gettext_lazy("Enter a valid JSON."),
    "model_type": _JSON_OBJECT,
    "model_attributes_type": _JSON_OBJECT,
    "dict_type": _JSON_OBJECT,
    "list_type": _LIST,
    "tuple_type": _LIST,
    "set_type": _LIST,
    "iterable_type": _LIST,
    "string_type": _TEXT,
    "string_unicode": _TEXT,
    "string_pattern_mismatch": gettext_lazy("The text does not have the expected form."),
    "bool_type": _TRUE_OR_FALSE,
    "bool_parsing": _TRUE_OR_FALSE,
    "int_type": _WHOLE_NUMBER,
    "int_parsing": _WHOLE_NUMBER,
    "int_from_float": _WHOLE_NUMBER,
    "int_parsing_size": gettext_lazy("The number is too large."),
    "float_type": _NUMBER,
    "float_parsing": _NUMBER,
    "decimal_type": _NUMBER,
    "decimal_parsing": _NUMBER,
    "finite_number": _NUMBER,
    "greater_than": gettext_lazy("Ensure this value is greater than %(limit_value)s."),
    "greater_than_equal": gettext_lazy(
        "Ensure this value is greater than or equal to %(limit_value)s."
    ),
    "less_than": gettext_lazy("Ensure this value is less than %(limit_value)s."),
    "less_than_equal": gettext_lazy("Ensure this value is less than or equal to %(limit_value)s."),
    "multiple_of": gettext_lazy("Ensure this value is a multiple of step size %(limit_value)s."),
    "literal_error": _CHOICE,
    "enum": _CHOICE,
    "date_type": ISO_DATE_MESSAGE,
    "date_parsing": ISO_DATE_MESSAGE,
    "date_from_datetime_parsing": ISO_DATE_MESSAGE,
    "date_from_datetime_inexact": ISO_DATE_MESSAGE,
    "time_type": _TIME,
    "time_parsing": _TIME,
    "datetime_type": _DATETIME,
    "datetime_parsing": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "datetime_object_invalid": _DATETIME,
    "uuid_type": _UUID,
    "uuid_parsing": _UUID,
    "url_type": _URL,
    "url_parsing": _URL,
    "url_scheme": _URL,
    "url_syntax_violation": _URL,
}
# The context value that is the bound in the messages above.
_LIMITS = ("gt", "ge", "lt", "le", "multiple_of")


def _context_number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_number(value, grouping=False)
    return str(value)


def _length_message(kind: str, ctx: dict[str, Any]) -> str | None:
    """The plural-sensitive messages: a text or a list too short or too long."""
    if kind in {"string_too_short", "too_short"} and "min_length" in ctx:
        n = int(ctx["min_length"])
        if kind == "string_too_short":
            return ngettext(
                "Give at least %(n)d character.", "Give at least %(n)d characters.", n
            ) % {"n": n}
        return ngettext("Give at least %(n)d item.", "Give at least %(n)d items.", n) % {"n": n}
    if kind in {"string_too_long", "too_long"} and "max_length" in ctx:
        n = int(ctx["max_length"])
        if kind == "string_too_long":
            return ngettext(
                "Give at most %(n)d character.", "Give at most %(n)d characters.", n
            ) % {"n": n}
        return ngettext("Give at most %(n)d item.", "Give at most %(n)d items.", n) % {"n": n}
    return None


def error_message(error: dict[str, Any]) -> str:
    """The message of one validation error in the active language.

    pydantic's own types are worded by :data:`_MESSAGES` (a type without an entry gets a general
    sentence); a ``value_error`` carries the text of the ``ValueError`` a Kenesh validator raised,
    already in the reader's language; Kenesh's own types (``PydanticCustomError``) keep theirs.
    """
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"])
    if kind == "assertion_error" and "error" in ctx:
        return str(ctx["error"])
    length = _length_message(kind, ctx)
    if length is not None:
        return length
    if kind in _MESSAGES:
        template = str(_MESSAGES[kind])
        values = {name: _context_number(value) for name, value in ctx.items()}
        limit = next((values[name] for name in _LIMITS if name in values), None)
        if limit is not None:
            values["limit_value"] = limit
        try:
            return template % values if "%(" in template else template
        except (KeyError, TypeError, ValueError):  # a context without the expected values
            return _("Enter a valid value.")
    if kind in PYDANTIC_ERROR_TYPES:
        return _("Enter a valid value.")
    return str(error.get("msg", ""))


def _plain_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "loc": [part if isinstance(part, int) else str(part) for part in error.get("loc", [])],
            "msg": error_message(error),
            "type": str(error.get("type", "")),
        }
        for error in errors
    ]


def _django_errors(exc: DjangoValidationError) -> list[dict[str, Any]]:
    """Django's validation errors by field, typed by their code ("invalid" when they have
    none)."""
    if hasattr(exc, "error_dict"):
        return [
            {"loc": ["body", field], "msg": message, "type": error.code or "invalid"}
            for field, errors in exc.error_dict.items()
            for error in errors
            for message in error
        ]
    return [
        {"loc": ["body"], "msg": message, "type": error.code or "invalid"}
        for error in exc.error_list
        for message in error
    ]


def install_error_handlers(api: NinjaAPI) -> None:
    """Every error answers ``{"detail": ..., "errors": [...]}``: the 4xx of bad requests, 409
    for a record already stored, 413 for a body over the limit, and 500, logged as Django logs
    it, for an exception nothing expected. (Answers made outside the operations, such as 405
    and errors of the middleware, are put in this shape by
    :class:`kenesh.core.middleware.ApiErrorShape`.)"""

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
            if str(exc).startswith("Cannot parse request body"):  # django-ninja's English
                return unreadable_body(request, _("Enter a valid JSON."), "json_invalid")
            return unreadable_body(request, str(exc))
        if exc.status_code == 403 and str(exc) == "CSRF check Failed":  # django-ninja's English
            return error(request, 403, _("You do not have permission to do this."))
        return error(request, exc.status_code, str(exc))

    def on_unreadable_request(request: HttpRequest, exc: Any) -> HttpResponse:
        # Django answers these with an HTML 400 page; they come from a body that cannot be
        # read as form data (e.g. a CSRF check of a session request reading request.POST).
        return unreadable_body(request, _("The request body cannot be read."))

    def on_conflict(request: HttpRequest, exc: Any) -> HttpResponse:
        detail = _("A record with the same unique value is already stored.")
        return error(request, 409, detail, _django_errors(exc))

    def on_too_big(request: HttpRequest, exc: Any) -> HttpResponse:
        # Form fields or a JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE (the files of a
        # multipart body are bounded by the size of the request, RequestBodyLimit).
        return error(request, 413, _("The request body is too large."))

    def on_unexpected(request: HttpRequest, exc: Any) -> HttpResponse:
        if is_database_busy(exc):  # an import holds SQLite's writer: try again, not a fault
            response = error(request, 503, busy_message())
            response["Retry-After"] = str(BUSY_RETRY_AFTER_S)
            return response
        # As Django's own handler: the signal (error reporters listen to it), then the log
        # entry with the traceback on django.request; the client gets no detail.
        signals.got_request_exception.send(sender=None, request=request)
        response = error(request, 500, _("Something went wrong on the server. It was logged."))
        log_response(
            "%s: %s",
            response.reason_phrase,
            request.path,
            response=response,
            request=request,
            exception=exc,
        )
        return response

    def on_bad_request(request: HttpRequest, exc: Any) -> HttpResponse:
        # Django answers BadRequest with 400; the API answers bad input with 422.
        return error(request, 422, _("The request is not valid."))

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
    # Subclasses of the above: the handler of the closest class in the MRO answers.
    api.add_exception_handler(Conflict, on_conflict)
    api.add_exception_handler(RequestDataTooBig, on_too_big)
    api.add_exception_handler(BadRequest, on_bad_request)
    api.add_exception_handler(Exception, on_unexpected)
