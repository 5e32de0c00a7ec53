"""The JSON API under /api/v1/: one NinjaAPI, every module's routers from the registry."""

from ninja import NinjaAPI

from kenesh.accounts.authentication import authentication
from kenesh.core.api import RequestParser, UnicodeJSONRenderer, install_error_handlers
from kenesh.core.modules import mount_api

api = NinjaAPI(
    title="Kenesh API",
    version="1",
    description=(
        "Community-based crime prevention: geography, organisations, working groups, the "
        "incident register and its analytics. "
        "Authenticate with a session cookie or `Authorization: Bearer <token>` "
        "(POST /api/v1/auth/token or `kenesh token create USERNAME`)."
    ),
    auth=authentication(),
    parser=RequestParser(),
    renderer=UnicodeJSONRenderer(),
    urls_namespace="api",
)
install_error_handlers(api)
# The platform's own: the import jobs of every kind (kenesh.core.imports).
api.add_router("/imports", "kenesh.core.imports.api.router")
mount_api(api)
