"""An example module as a new domain app would declare itself: nothing but this file and a
template. Importing it registers it, as autodiscovery does for an installed app."""

from kenesh.core.modules import DashboardPanel, Module, NavEntry, register
from kenesh.core.permissions import Action, Resource

LOADED: list[str] = []


def panel(user: object, units: list[object]) -> dict[str, object]:
    return {"municipalities": len(units)}


def load_demo() -> str:
    LOADED.append("example")
    return "7 examples"


module = register(
    Module(
        label="example",
        name="Example",
        resources=(Resource.FUNDING,),
        nav=(
            NavEntry("Example plans", "home", Resource.FUNDING, order=45),
            NavEntry("Example report", "home", Resource.FUNDING, Action.READ, menu="Examples"),
        ),
        panels=(
            DashboardPanel(
                template="example/_panel.html",
                context="kenesh.portal.tests.example_module.module.panel",
                resource=Resource.FUNDING,
                action=Action.READ,
            ),
        ),
        demo_loader="kenesh.portal.tests.example_module.module.load_demo",
    )
)
