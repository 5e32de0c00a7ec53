"""``{% masked obj "field" %}``: a restricted field's value, or a mask for who may not see it."""

from __future__ import annotations

from typing import Any

from django import template

from kenesh.core.masking import MASK, hidden_fields, masked_value

register = template.Library()


@register.simple_tag(takes_context=True)
def masked(context: template.Context, obj: Any, field: str) -> Any:
    request = context.get("request")
    user = getattr(request, "user", None)
    value = masked_value(user, obj, field)
    if value is None and getattr(obj, field, None) is not None:
        return MASK
    return value


@register.simple_tag(takes_context=True)
def visible(context: template.Context, obj: Any, field: str) -> bool:
    """``{% visible obj "latitude" as shown %}``: whether the request's user may see the field
    of this object (False for a field restricted here, such as the point of an incident in a
    sensitive category for anyone but the police in scope)."""
    request = context.get("request")
    return field not in hidden_fields(getattr(request, "user", None), obj)
