from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field

from kenesh.core.api import InputSchema


class RoleOut(Schema):
    role: str = Field(description="Role code, e.g. lcpc or police")
    role_name: str
    unit: str = Field(description="SOATE code of the unit the role is held at")
    unit_name: str


class MeOut(Schema):
    username: str
    full_name: str
    roles: list[RoleOut]


class TokenIn(InputSchema):
    username: str = Field(max_length=150)
    password: str = Field(max_length=512)
    name: str = Field(
        "",
        max_length=100,
        description=(
            "A label to recognise the token by in the token list. A token asked for again "
            "under the same name replaces (revokes) the previous one of that name."
        ),
    )


class TokenOut(Schema):
    token: str = Field(description="The token, shown only this once: send it as a Bearer token")
    prefix: str = Field(description="Its first characters, which name it in the token list")
    name: str
    expires_at: dt.datetime


class TokenInfoOut(Schema):
    prefix: str
    name: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None = Field(description="Recorded at most once a minute")
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    revoked_reason: str = Field(
        description="owner, administrator, password_changed or deactivated; empty if not revoked"
    )
    state: str = Field(description="active, expired or revoked")
