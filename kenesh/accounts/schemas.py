from __future__ import annotations

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


class TokenOut(Schema):
    token: str
