"""The JSON API under /api/v1/: one NinjaAPI, a router per app."""

from ninja import NinjaAPI

from kenesh.accounts.api import router as accounts_router
from kenesh.core.api import RequestParser, authentication, install_error_handlers
from kenesh.geo.api import router as geo_router
from kenesh.incidents.analysis_api import router as analysis_router
from kenesh.incidents.api import router as incidents_router
from kenesh.incidents.import_api import router as incident_import_router
from kenesh.incidents.spatial_api import router as spatial_router
from kenesh.orgs.api import router as orgs_router

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
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("", accounts_router)
api.add_router("", geo_router)
api.add_router("", orgs_router)
# Fixed paths (/incidents/stats, /incidents/import) before /incidents/{id}.
api.add_router("", analysis_router)
api.add_router("", spatial_router)
api.add_router("", incident_import_router)
api.add_router("", incidents_router)
