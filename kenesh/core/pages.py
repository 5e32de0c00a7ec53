"""Helpers for server-rendered pages: pagination, htmx fragments and edit forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

PAGE_SIZE = 50


def paginate_page(request: HttpRequest, queryset: QuerySet[Any]) -> Page[Any]:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The request's filters, URL-encoded, for the links to other pages of the same list."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def render_page_or_fragment(
    request: HttpRequest, template: str, fragment: str, context: dict[str, Any]
) -> HttpResponse:
    """The whole page, or only ``fragment`` when htmx asks (a filter changed).

    htmx restoring history (back button after a cache miss) needs the whole page, and caches
    must keep the two answers apart, hence ``Vary: HX-Request``.
    """
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]
    response = render(request, fragment if partial else template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def form_changes(form: forms.ModelForm[Any]) -> dict[str, Any]:
    """The fields the user changed, with the instance reloaded as stored.

    Validating a model form writes its values onto the instance; the service must see the
    stored values as "before" so that the audit entry records the real change, and only it.
    """
    data = {name: form.cleaned_data[name] for name in form.changed_data}
    form.instance.refresh_from_db()
    return data


def form_status(form: object) -> int:
    """400 when a submitted form has errors, so clients and tests see the rejection."""
    return 400 if getattr(form, "is_bound", False) and getattr(form, "errors", None) else 200


def query_with_defaults(query: QueryDict, form_class: type[forms.Form]) -> QueryDict:
    """The query string with each missing field of ``form_class`` set to the field's initial
    value: a shared or bookmarked address that names only some fields (``?unit=…``) gets the
    defaults the empty form shows, not "This field is required" on them."""
    data = query.copy()
    for name, field in form_class.base_fields.items():
        if name in data or field.initial is None:
            continue
        initial = field.initial() if callable(field.initial) else field.initial
        if isinstance(initial, list | tuple):
            data.setlist(name, [str(value) for value in initial])
        elif initial not in ("", None):
            data[name] = str(initial)
    return data
