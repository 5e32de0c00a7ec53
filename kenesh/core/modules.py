"""The module registry: what each domain app contributes, declared once in ``<app>/module.py``.

A module (incidents now; consultations, plans, livestock and roads next) says in one place what
it adds to the platform: navigation entries, dashboard panels, its demo loader, its import kinds
and export formats, its API routers and page URLs, the permission resources it guards. Core and
the top app read this registry; nothing outside a module names it except ``INSTALLED_APPS``
(docs/adr/0007-module-layout.md).

Declarations hold dotted paths, not objects, for everything that imports views or models: the
registry is filled while apps load (:func:`autodiscover`, from ``CoreConfig.ready``), before URL
configuration and the API are built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.module_loading import autodiscover_modules, import_string

from kenesh.core.permissions import Action, Resource

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from kenesh.accounts.models import User


@dataclass(frozen=True)
class NavEntry:
    """One link of the main navigation, shown to users allowed ``action`` on ``resource``.

    Entries sharing a ``menu`` title are gathered into one dropdown, in ``order``.
    """

    label: str | Promise
    url_name: str
    resource: Resource
    action: Action = Action.READ
    menu: str | Promise | None = None
    order: int = 100


@dataclass(frozen=True)
class DashboardPanel:
    """A panel of the home dashboard: a template and a dotted path to its context function.

    The function gets ``(user, units)`` (the municipalities the dashboard shows) and returns the
    template's context, or ``None`` to leave the panel out. A panel with ``query`` set also gets
    the page's query parameters as ``query=`` (a table sorted by ``?sort=``).
    """

    template: str
    context: str
    resource: Resource
    action: Action = Action.AGGREGATE
    order: int = 100
    query: bool = False


@dataclass(frozen=True)
class Module:
    """What one domain app contributes. ``label`` is its Django app label."""

    label: str
    name: str | Promise
    resources: tuple[Resource, ...] = ()
    nav: tuple[NavEntry, ...] = ()
    panels: tuple[DashboardPanel, ...] = ()
    # Panels of a territory's page (/units/<code>/): the context function gets (user, unit).
    unit_panels: tuple[DashboardPanel, ...] = ()
    # (URL prefix, dotted path of a urls module with app_name) for pages.
    urls: tuple[tuple[str, str], ...] = ()
    # (API prefix, dotted path of a ninja Router) mounted under /api/v1/.
    api_routers: tuple[tuple[str, str], ...] = ()
    # Dotted path of ``load(*, stdout: Callable[[str], None]) -> None``: the module's demo data.
    demo_loader: str | None = None
    # Dotted paths of import kinds (kenesh.core.imports.ImportKind instances).
    import_kinds: tuple[str, ...] = ()
    # Dotted paths of export kinds (kenesh.core.exports.ExportKind instances).
    exports: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


_registry: dict[str, Module] = {}


def register(module: Module) -> Module:
    """Add ``module`` to the registry (called from ``<app>/module.py``); idempotent per label."""
    _registry[module.label] = module
    return module


def unregister(label: str) -> None:
    """Remove a module (tests that register an example module clean up with this)."""
    _registry.pop(label, None)


def autodiscover() -> None:
    """Import ``module.py`` of every installed app, which registers its declaration."""
    autodiscover_modules("module")


def modules() -> Iterator[Module]:
    """The registered modules, in ``INSTALLED_APPS`` order (registration order)."""
    yield from list(_registry.values())


def resolve(dotted: str) -> Any:
    """The object a declaration names by dotted path."""
    return import_string(dotted)


def navigation_for(
    user: User | AnonymousUser | None,
) -> list[tuple[str | Promise | None, list[NavEntry]]]:
    """The navigation entries the user may open, grouped: ``[(menu or None, entries)]``.

    A group without a menu title is a list of plain links; one with a title is a dropdown.
    """
    from kenesh.core.scope import allowed_anywhere

    groups: dict[str, list[NavEntry]] = {}
    order: dict[str, int] = {}
    for module in modules():
        for entry in module.nav:
            if not allowed_anywhere(user, entry.action, entry.resource):
                continue
            key = f"menu:{entry.menu}" if entry.menu is not None else f"link:{entry.url_name}"
            groups.setdefault(key, []).append(entry)
            order[key] = min(order.get(key, entry.order), entry.order)
    result: list[tuple[str | Promise | None, list[NavEntry]]] = []
    for key in sorted(groups, key=lambda k: order[k]):
        entries = sorted(groups[key], key=lambda e: e.order)
        result.append((entries[0].menu, entries))
    return result


def _panels_for(
    user: User | AnonymousUser | None,
    panels: list[DashboardPanel],
    subject: Any,
    query: Mapping[str, str] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    from kenesh.core.scope import allowed_anywhere

    shown: list[tuple[str, dict[str, Any]]] = []
    for panel in sorted(panels, key=lambda p: p.order):
        if not allowed_anywhere(user, panel.action, panel.resource):
            continue
        context_of: Callable[..., dict[str, Any] | None] = resolve(panel.context)
        if panel.query:
            context = context_of(user, subject, query=query if query is not None else {})
        else:
            context = context_of(user, subject)
        if context is not None:
            shown.append((panel.template, context))
    return shown


def dashboard_panels_for(
    user: User | AnonymousUser | None,
    units: list[Any],
    query: Mapping[str, str] | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """The dashboard panels the user may see: ``[(template, context)]`` in order; ``query``
    is the page's query parameters, for the panels that ask for them."""
    return _panels_for(user, [p for module in modules() for p in module.panels], units, query)


def unit_panels_for(
    user: User | AnonymousUser | None, unit: Any
) -> list[tuple[str, dict[str, Any]]]:
    """The panels of one territory's page the user may see: ``[(template, context)]``."""
    return _panels_for(user, [p for module in modules() for p in module.unit_panels], unit)


def url_patterns() -> list[Any]:
    """Every module's page URLs, for the project's URL configuration."""
    from django.urls import include, path

    return [
        path(prefix, include(urlconf)) for module in modules() for prefix, urlconf in module.urls
    ]


def mount_api(api: Any) -> None:
    """Mount every module's ninja routers on ``api`` under their prefixes."""
    for module in modules():
        for prefix, router in module.api_routers:
            api.add_router(prefix, resolve(router))
