"""``kenesh load-basemap FILE.geojson``: load a deployment's own orientation layer for maps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kenesh.geo.basemap.models import FeatureKind
from kenesh.geo.basemap.services import basemap_load_file


class Command(BaseCommand):
    help = (
        "Load a basemap layer (settlements, roads, outlines with names) from a GeoJSON "
        "FeatureCollection in longitude/latitude. Each feature needs a name and a kind "
        "(settlement, road, boundary, water, landmark). All or nothing: any bad feature and "
        "nothing is written, unless --skip-invalid. Loading a layer name again replaces it. "
        "See docs/basemap.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--layer", help="Name of the layer (default: the file's name); a reload replaces it."
        )
        parser.add_argument("--title", default="", help="Title shown on the map.")
        parser.add_argument(
            "--source", default="", help='Where the data come from, e.g. "© OpenStreetMap".'
        )
        parser.add_argument(
            "--synthetic",
            action="store_true",
            help="Invented places (a demo): the map labels the layer synthetic.",
        )
        parser.add_argument(
            "--kind",
            choices=FeatureKind.values,
            default="",
            help="Kind of the features that have no properties.kind.",
        )
        parser.add_argument(
            "--name-property", default="name", help="Property holding the name (default: name)."
        )
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="Load the good features and report the bad ones.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Validate only.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        layer = slugify(options["layer"] or path.name.split(".")[0])[:64]
        if not layer:
            raise CommandError(_("Give the layer a name with --layer."))
        report = basemap_load_file(
            path=path,
            layer=layer,
            title=options["title"],
            source=options["source"],
            synthetic=options["synthetic"],
            default_kind=options["kind"],
            name_property=options["name_property"],
            skip_invalid=options["skip_invalid"],
            dry_run=options["dry_run"],
        )
        for error in report.errors:
            self.stderr.write(str(error))
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(report.by_kind.items()))
        if report.written:
            self.stdout.write(
                ngettext(
                    "Layer %(layer)s: %(count)d feature loaded (%(kinds)s), replacing "
                    "%(replaced)d.",
                    "Layer %(layer)s: %(count)d features loaded (%(kinds)s), replacing "
                    "%(replaced)d.",
                    report.features,
                )
                % {
                    "layer": layer,
                    "count": report.features,
                    "kinds": kinds,
                    "replaced": report.replaced,
                }
            )
            if report.errors:
                self.stdout.write(
                    ngettext(
                        "%(count)d bad feature was left out.",
                        "%(count)d bad features were left out.",
                        len(report.errors),
                    )
                    % {"count": len(report.errors)}
                )
            return
        if any(error.index is None for error in report.errors):
            raise CommandError(_("The file cannot be loaded; nothing was written."))
        if report.errors:
            raise CommandError(
                ngettext(
                    "%(count)d bad feature; nothing was written.",
                    "%(count)d bad features; nothing was written.",
                    len(report.errors),
                )
                % {"count": len(report.errors)}
            )
        if options["dry_run"]:
            self.stdout.write(
                ngettext(
                    "Layer %(layer)s: %(count)d feature would be loaded (%(kinds)s).",
                    "Layer %(layer)s: %(count)d features would be loaded (%(kinds)s).",
                    report.features,
                )
                % {"layer": layer, "count": report.features, "kinds": kinds}
            )
            return
        raise CommandError(_("Nothing to load."))
