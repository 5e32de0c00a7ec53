"""National scale: the answers people wait for, on ten years of a whole country's incidents.

Two sizes of ``kenesh demo --scale national`` (kenesh.portal.national) in PostgreSQL: 30,000
incidents a year (about 300,000: Kyrgyzstan's registered crimes) and 300,000 a year (about 3
million: administrative offences and growth). Each is built once into its own database,
``kenesh_bench_national_300k`` and ``kenesh_bench_national_3m``, and reused while the
database's comment records the same generator version and size (``--rebuild`` builds again;
``--sizes 300k`` runs one size). New migrations are applied to a reused database.

The databases get the setting docs/deployment.md advises (``random_page_cost = 1.1``). Each
size runs in its own process with debug off, through Django's test client logged in as
the user who would ask (the programme coordinator for national figures, Osh city's police for
its register, Osh oblast's police for the export), each request several times after a warm-up:
p50 and p95, and the p50's ratio to the health check's (the framework's floor, measured in the
same process), since the machine is noisy. Targets at the larger size (issue 8): every
interactive answer p95 under 1 s, list pages under 200 ms.

    make bench BENCH=national
    make bench BENCH="national --sizes 300k --rebuild"
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

ADMIN_URL = os.environ.get("KENESH_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/postgres")
SIZES = {"300k": 30_000, "3m": 300_000}
DATABASE_PREFIX = "kenesh_bench_national_"
#: Seconds of repetitions per request (at least MIN_REPEATS, at most MAX_REPEATS).
BUDGET_S = 8.0
MIN_REPEATS, MAX_REPEATS = 5, 30
#: Targets at the larger size, seconds: p95 of list pages and of every other interactive answer.
LIST_TARGET, INTERACTIVE_TARGET = 0.2, 1.0


def database_url(size: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE_PREFIX}{size}"


def options(argv: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {"rebuild": "--rebuild" in argv, "sizes": list(SIZES)}
    if "--sizes" in argv:
        found["sizes"] = argv[argv.index("--sizes") + 1].split(",")
    unknown = [size for size in found["sizes"] if size not in SIZES]
    if unknown:
        raise SystemExit(f"unknown size {unknown[0]!r}; choose from {', '.join(SIZES)}")
    return found


def main() -> None:
    chosen = options(sys.argv[1:])
    results: dict[str, dict[str, Any]] = {}
    for size in chosen["sizes"]:
        command = [sys.executable, "-m", "bench.national", "--child", size]
        if chosen["rebuild"]:
            command.append("--rebuild")
        # Our own interpreter and module.
        finished = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)  # noqa: S603
        lines = finished.stdout.splitlines()
        print("\n".join(line for line in lines if not line.startswith("{")), flush=True)
        results[size] = json.loads(next(line for line in lines if line.startswith("{")))
    report(results)


def report(results: dict[str, dict[str, Any]]) -> None:
    sizes = list(results)
    print("\nnational: p50 / p95 in ms, (ratio of p50 to the health check's p50)")
    columns = [f"{size} ({results[size]['incidents']:,} incidents)" for size in sizes]
    header = f"  {'answer':<46}" + "".join(f"{column:>30}" for column in columns)
    print(header)
    for name in results[sizes[0]]["timings"]:
        cells = []
        for size in sizes:
            found = results[size]["timings"].get(name)
            if found is None:
                cells.append(f"{'—':>30}")
                continue
            base = results[size]["timings"]["health check (baseline)"]["p50"]
            missed = ""
            if size == sizes[-1] and found["target"] and found["p95"] > found["target"]:
                missed = " !"
            cells.append(
                f"{found['p50'] * 1000:>9.0f} / {found['p95'] * 1000:>6.0f} "
                f"({found['p50'] / base:>6.0f}×){missed:>2}"
            )
        print(f"  {name:<46}" + "".join(cells))
    print("  ! misses its target at this size (list pages 200 ms, other answers 1 s, p95)")


# --- The child: one size, one database ---------------------------------------------------------


def child(size: str, rebuild: bool) -> None:
    os.environ["DATABASE_URL"] = database_url(size)
    os.environ.pop("KENESH_DEBUG", None)  # measured as production runs: debug off
    os.environ.setdefault("KENESH_SECRET_KEY", "bench-national-not-a-secret-" + "x" * 30)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.conf import settings

    django.setup()
    # Pages render with the plain static storage: the manifest needs collectstatic first, and
    # looking a name up in it costs the same.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    incidents_per_year = SIZES[size]
    build_seconds = ensure_database(size, incidents_per_year, rebuild)
    timings = measure(size)
    from kenesh.incidents.models import Incident

    print(
        json.dumps(
            {
                "incidents": Incident.objects.count(),
                "build_seconds": build_seconds,
                "timings": timings,
            }
        ),
        flush=True,
    )


def _marker(incidents_per_year: int) -> str:
    from kenesh.portal.national import GENERATOR_VERSION

    return f"kenesh national generator {GENERATOR_VERSION}, {incidents_per_year} incidents a year"


#: Per-database settings docs/deployment.md ("Sizing") advises: the data is on SSD or in memory,
#: where a random page costs about what a sequential one does (PostgreSQL assumes 4 times more,
#: and so prefers walking the date index of the whole country to one municipality's rows).
DATABASE_SETTINGS = {"random_page_cost": "1.1"}


def tune(admin: Any, name: str) -> None:
    for setting, value in DATABASE_SETTINGS.items():
        admin.execute(f'ALTER DATABASE "{name}" SET {setting} = {value}')


def ensure_database(size: str, incidents_per_year: int, rebuild: bool) -> float | None:
    """Reuse the size's database when its comment records this generator and size; otherwise
    (or with ``--rebuild``) create it again and load it. Returns the load's seconds, or None
    when reused."""
    import psycopg
    from django.core.management import call_command

    name = DATABASE_PREFIX + size
    marker = _marker(incidents_per_year)
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        row = admin.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None and row[0] == marker and not rebuild:
            print(f"{size}: reusing {name} ({marker})", flush=True)
            tune(admin, name)
            call_command("migrate", interactive=False, verbosity=0)
            return None
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        tune(admin, name)
    print(f"{size}: building {name} ({marker})", flush=True)
    started = time.monotonic()
    call_command("migrate", interactive=False, verbosity=0)
    from kenesh.portal.national import national_load

    found = national_load(
        incidents_per_year=incidents_per_year,
        progress=lambda message: print(f"  {message}", flush=True),
    )
    seconds = time.monotonic() - started
    with psycopg.connect(database_url(size), autocommit=True) as own:
        own.execute("VACUUM (ANALYZE)")  # visibility map and statistics, as a settled database
        own.execute(f"COMMENT ON DATABASE \"{name}\" IS '{marker}'")
    print(
        f"{size}: built in {seconds:.0f} s: {found.incidents_total:,} incidents, "
        f"{found.municipalities} municipalities",
        flush=True,
    )
    return seconds


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def timed(request: Callable[[], Any]) -> dict[str, float]:
    request()  # warm-up: the first answer fills caches (grants, ICCS names, templates)
    start = time.perf_counter()
    request()
    first = time.perf_counter() - start
    repeats = max(MIN_REPEATS, min(MAX_REPEATS, int(BUDGET_S / max(first, 1e-4))))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        request()
        times.append(time.perf_counter() - start)
    return {"p50": percentile(times, 0.5), "p95": percentile(times, 0.95), "n": repeats}


def measure(size: str) -> dict[str, dict[str, Any]]:
    from django.db.models import Sum
    from django.test import Client
    from django.utils.http import urlencode

    from kenesh.accounts.models import User
    from kenesh.geo.models import AdministrativeUnit, Level, PopulationCount
    from kenesh.incidents.models import Incident

    def client_for(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    # The register of Osh city, the largest municipality (its police has an account); the
    # rayon and oblast with the most residents; twenty rural municipalities of the south.
    city = AdministrativeUnit.objects.get(code="41700000000021")
    rayon_code = (
        PopulationCount.objects.filter(year=2024, unit__parent__level=Level.RAYON)
        .values("unit__parent__code")
        .annotate(people=Sum("population"))
        .order_by("-people")[0]["unit__parent__code"]
    )
    oblast = AdministrativeUnit.objects.get(code="41706000000000")  # Osh oblast
    rural = list(
        AdministrativeUnit.objects.filter(
            level=Level.MUNICIPALITY, kind="aiyl_aimak", path__startswith=oblast.path
        )
        .order_by("code")
        .values_list("code", flat=True)[:20]
    )
    city_incidents = Incident.objects.filter(unit=city).count()
    last_page = max(1, math.ceil(city_incidents / 50))
    print(
        f"  {size:>4}  Osh city holds {city_incidents:,} incidents: its last page is {last_page}",
        flush=True,
    )

    coordinator = client_for("coordinator")
    police = client_for(f"police.{city.code}")
    oblast_police = client_for(f"police.oblast.{oblast.code}")

    def get(client: Client, url: str, status: int = 200) -> Callable[[], Any]:
        def request() -> Any:
            response = client.get(url)
            if response.status_code != status:
                raise AssertionError(f"{url}: {response.status_code}")
            if response.streaming:
                return b"".join(response.streaming_content)
            return response.content

        return request

    anonymous = Client()
    evaluation = urlencode(
        [("treated", code) for code in rural[:10]]
        + [("comparison", code) for code in rural[10:20]]
        + [("start", "2021-01-01"), ("before_months", 24), ("after_months", 24)]
    )
    plan: list[tuple[str, Callable[[], Any], float | None]] = [
        ("health check (baseline)", get(anonymous, "/healthz"), None),
        ("dashboard, coordinator", get(coordinator, "/"), INTERACTIVE_TARGET),
        ("national statistics API, 3 years by month", get(coordinator, "/api/v1/incidents/stats"),
         INTERACTIVE_TARGET),
        ("national statistics API, 10 years by year",
         get(coordinator, "/api/v1/incidents/stats?from=2016-01-01&to=2025-12-31&group=year"),
         INTERACTIVE_TARGET),
        ("crime statistics page, coordinator", get(coordinator, "/analysis/crime/"),
         INTERACTIVE_TARGET),
        ("incident list page 1, Osh city police", get(police, "/incidents/"), LIST_TARGET),
        ("incident list page 20", get(police, "/incidents/?page=20"), LIST_TARGET),
        ("incident list, last page", get(police, f"/incidents/?page={last_page}"), LIST_TARGET),
        ("incident list API, first 50", get(police, "/api/v1/incidents?limit=50"), LIST_TARGET),
        ("incident list API, offset 1,000",
         get(police, "/api/v1/incidents?limit=50&offset=1000"), LIST_TARGET),
        ("incident list API, last 50",
         get(police, f"/api/v1/incidents?limit=50&offset={(last_page - 1) * 50}"), LIST_TARGET),
        ("hot spots API, largest rayon, 2024",
         get(coordinator, f"/api/v1/analytics/hotspots?unit={rayon_code}&from=2024-01-01"
             "&to=2024-12-31&cell_m=1000"), INTERACTIVE_TARGET),
        ("evaluation API, 10 treated vs 10", get(coordinator, f"/api/v1/analytics/evaluation?"
                                                  f"{evaluation}"), INTERACTIVE_TARGET),
        ("evaluation page, 10 treated vs 10",
         get(coordinator, f"/analysis/evaluation/?{evaluation}"), INTERACTIVE_TARGET),
        ("export CSV, Osh oblast 2024, oblast police",
         get(oblast_police, f"/api/v1/incidents/export/csv?unit={oblast.code}"
             "&from=2024-01-01&to=2024-12-31"), None),
    ]  # fmt: skip
    timings: dict[str, dict[str, Any]] = {}
    for name, request, target in plan:
        found = timed(request)
        timings[name] = {**found, "target": target}
        print(
            f"  {size:>4}  {name:<46} p50 {found['p50'] * 1000:8.1f} ms   "
            f"p95 {found['p95'] * 1000:8.1f} ms   (n={found['n']})",
            flush=True,
        )
    return timings


if __name__ == "__main__":
    if "--child" in sys.argv:
        child(sys.argv[sys.argv.index("--child") + 1], "--rebuild" in sys.argv)
    else:
        main()
