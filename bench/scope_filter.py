"""Scope filter benchmark, reported as ratios against a baseline measured in the same run.

scope_filter — listing organisations through ``visible_to(user)`` (the one scope mechanism
every page and API call uses) against the same list with no filter at all, on 20,000
organisations spread over the demo's units. The machine is noisy: compare the ratios.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable


def _best_of(repeats: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    data_dir = tempfile.mkdtemp(prefix="kenesh-bench-")
    os.environ["KENESH_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from kenesh.accounts.models import User
    from kenesh.geo.models import AdministrativeUnit, Level
    from kenesh.orgs.models import Organisation, OrganisationKind
    from kenesh.portal.demo import demo_load

    demo_load()
    units = list(AdministrativeUnit.objects.exclude(level=Level.COUNTRY))
    Organisation.objects.bulk_create(
        Organisation(kind=OrganisationKind.NGO, unit=units[i % len(units)], name_ru=f"НКО {i}")
        for i in range(20_000)
    )
    total = Organisation.objects.count()
    print(f"scope_filter: {total} organisations, {len(units)} units")
    baseline = _best_of(7, lambda: list(Organisation.objects.all().values_list("pk", "unit_id")))
    print(f"  baseline, no filter            {baseline * 1000:8.2f} ms   ratio 1.00")
    for username in ("coordinator", "lcpc.jetioguz", "lcpc.karakol"):
        user = User.objects.get(username=username)

        def scoped(user: User = user) -> object:
            user.__dict__.pop("_kenesh_grants", None)  # count the grant lookup every time
            return list(Organisation.objects.visible_to(user).values_list("pk", "unit_id"))

        seconds = _best_of(7, scoped)
        rows = Organisation.objects.visible_to(user).count()
        print(
            f"  visible_to({username:<13}) {seconds * 1000:8.2f} ms   ratio "
            f"{seconds / baseline:4.2f}   ({rows} rows)"
        )
