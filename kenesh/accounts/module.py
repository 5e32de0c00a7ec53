"""What the accounts app contributes to the platform (kenesh.core.modules)."""

from django.utils.translation import gettext_lazy as _

from kenesh.core.modules import Module, NavEntry, register
from kenesh.core.permissions import Resource

module = register(
    Module(
        label="accounts",
        name=_("Accounts"),
        resources=(Resource.ACCOUNTS,),
        nav=(NavEntry(_("Audit log"), "audit-log", Resource.ACCOUNTS, order=70),),
        urls=(("", "kenesh.accounts.urls"),),
        # The foundation's routers carry their full paths (/me, /auth/token).
        api_routers=(("", "kenesh.accounts.api.router"),),
    )
)
