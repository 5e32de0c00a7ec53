"""Simultaneous identical writes: one succeeds, the others hear of the conflict, none gets 500.

Two requests with the same external reference can both pass the check for a taken reference
before either inserts; the unique index then refuses the later insert. The register's service
reads that refusal as the conflict it is (409 in the API, a form error on the page), and an
import writes its batch again, finding the rows now registered.

The first tests force that interleaving in one thread (the check is made to miss a row that is
already there, as it misses a row another transaction has not committed yet), so they run on
SQLite and PostgreSQL. The threaded tests run real simultaneous requests and imports on
PostgreSQL, each thread on its own connection; SQLite is skipped there, because it serialises
writers (a second writer waits for the first transaction to end, then sees its rows) and the
test database lives in one connection's memory.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import pre_save
from django.test import Client

from kenesh.accounts.models import User
from kenesh.core.imports import import_job_execute
from kenesh.core.models import AuditEntry, ImportJob, ImportStatus
from kenesh.core.services import Conflict
from kenesh.geo.models import AdministrativeUnit
from kenesh.incidents import services
from kenesh.incidents.imports import spec as incident_spec
from kenesh.incidents.imports.spec import incident_import_start
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.factories import IncidentFactory, incident_payload
from kenesh.incidents.tests.import_support import JETI_OGUZ, import_bytes, row, sheet
from kenesh.orgs.tests.api_support import assert_error, send

INCIDENTS = "/api/v1/incidents"
TAKEN = "Another incident of this municipality has the external reference {}."
ONLY_POSTGRESQL = (
    "SQLite serialises writers: a second writer waits for the first transaction to end and "
    "then sees its rows, so there is no race to test (and the test database is in memory)"
)


def api_incident(external_ref: str) -> dict[str, Any]:
    return {
        "unit": JETI_OGUZ,
        "iccs": "05025",
        "occurred_on": "2003-07-02",
        "reported_on": "2003-07-03",
        "external_ref": external_ref,
    }


@contextmanager
def check_misses(times: int = 1) -> Iterator[None]:
    """The checks for a taken reference miss, ``times`` times, what is already stored: the
    view a transaction has when another one inserts the same reference and commits right after
    the check (a page's form checks once, the service once more). Everything else (the insert,
    the unique index, the check after the refused insert) runs for real."""
    original = Incident.validate_constraints
    calls = {"n": 0}

    def validate_constraints(self: Incident, exclude: Any = None) -> None:
        calls["n"] += 1
        if calls["n"] > times:
            original(self, exclude=exclude)

    Incident.validate_constraints = validate_constraints  # type: ignore[method-assign]
    try:
        yield
    finally:
        Incident.validate_constraints = original  # type: ignore[method-assign]
    assert calls["n"] > times, "the service did not check again after the refused insert"


# One thread, the interleaving forced: SQLite and PostgreSQL


@pytest.mark.django_db
def test_a_reference_taken_between_check_and_insert_is_a_conflict_and_the_transaction_goes_on(
    jeti_oguz_incident: Incident,
) -> None:
    before = Incident.objects.count(), AuditEntry.objects.count()

    with check_misses(), pytest.raises(Conflict) as raised:
        services.incident_create(actor=None, data=incident_payload(external_ref="TEST-2003-1"))

    assert raised.value.message_dict == {"external_ref": [TAKEN.format("TEST-2003-1")]}
    # The refused insert was undone alone: the surrounding transaction still works.
    assert (Incident.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_the_api_answers_409_to_a_reference_taken_between_check_and_insert(
    client_as: Callable[[str], Client], jeti_oguz_incident: Incident
) -> None:
    client = client_as("police.jetioguz")
    before = Incident.objects.count(), AuditEntry.objects.count()

    with check_misses():
        response = send(client, "post", INCIDENTS, api_incident("TEST-2003-1"))

    assert assert_error(response, 409)["errors"] == [
        {
            "loc": ["body", "external_ref"],
            "msg": TAKEN.format("TEST-2003-1"),
            "type": "duplicate_external_ref",
        }
    ]
    assert (Incident.objects.count(), AuditEntry.objects.count()) == before


@pytest.mark.django_db
def test_a_change_to_a_reference_taken_between_check_and_update_gets_409(
    client_as: Callable[[str], Client], jeti_oguz_incident: Incident
) -> None:
    other = IncidentFactory.create(external_ref="TEST-2003-2")

    with check_misses():
        response = send(
            client_as("police.jetioguz"),
            "patch",
            f"{INCIDENTS}/{other.pk}",
            {"external_ref": "TEST-2003-1"},
        )

    assert assert_error(response, 409)["errors"][0]["loc"] == ["body", "external_ref"]
    assert Incident.objects.get(pk=other.pk).external_ref == "TEST-2003-2"


@pytest.mark.django_db
def test_the_page_shows_a_reference_taken_between_check_and_insert_as_a_form_error(
    client_as: Callable[[str], Client], jeti_oguz_incident: Incident
) -> None:
    form = {
        "unit": AdministrativeUnit.objects.get(code=JETI_OGUZ).pk,
        "iccs": "05025",
        "occurred_on": "2003-07-02",
        "reported_on": "2003-07-03",
        "status": "registered",
        "context": "none",
        "relationship": "unknown",
        "external_ref": "TEST-2003-1",
    }
    client = client_as("police.jetioguz")
    before = Incident.objects.count()

    with check_misses(times=2):
        response = client.post("/incidents/new/", form)

    assert response.status_code == 400
    assert response.context["form"].errors["external_ref"] == [TAKEN.format("TEST-2003-1")]
    assert Incident.objects.count() == before


@pytest.mark.django_db
def test_an_import_whose_rows_were_registered_meanwhile_reports_them_already_registered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    content = sheet([row(external_ref=f"RACE-{i}") for i in range(30)])
    assert import_bytes(content).created == 30
    # The second import's look-up misses them once, as if the first had not committed yet.
    real_existing_keys = incident_spec.existing_keys
    calls = []

    def existing_keys(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return {} if len(calls) == 1 else real_existing_keys(*args, **kwargs)

    monkeypatch.setattr(incident_spec, "existing_keys", existing_keys)

    again = import_bytes(content)

    assert len(calls) == 2  # the batch was written again after the refused insert
    assert (again.created, again.unchanged, again.rejected, again.error_count) == (0, 30, 0, 0)
    assert Incident.objects.filter(external_ref__startswith="RACE-").count() == 30


# Threads on PostgreSQL


@pytest.fixture
def postgresql() -> None:
    """Skips on SQLite; listed first, so that nothing is set up for nothing."""
    if connection.vendor != "postgresql":
        pytest.skip(ONLY_POSTGRESQL)


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(i)`` in ``count`` threads started at once; their results, or the exceptions
    they raised. Each thread closes its database connection when it ends."""
    barrier = threading.Barrier(count, timeout=60)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # reported by the assertions on the results
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


@contextmanager
def all_checked_before_any_inserts(count: int) -> Iterator[None]:
    """Hold every request at its insert until all ``count`` have passed the check: the
    interleaving that gave 500s (on gunicorn one to three of twelve requests got there)."""
    barrier = threading.Barrier(count, timeout=60)

    def wait(sender: Any, instance: Incident, **kwargs: Any) -> None:
        if instance.external_ref == "RACE-API":
            barrier.wait()

    pre_save.connect(wait, sender=Incident, dispatch_uid="test_concurrency")
    try:
        yield
    finally:
        pre_save.disconnect(sender=Incident, dispatch_uid="test_concurrency")


@pytest.mark.parametrize("interleaving", ["as-they-come", "all-checked-first"])
def test_twelve_simultaneous_registrations_of_one_reference_give_one_201_and_eleven_409(
    postgresql: None, demo_restored_afterwards: None, transactional_db: None, interleaving: str
) -> None:
    user = User.objects.get(username="police.jetioguz")
    clients = []
    for _ in range(12):
        client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        clients.append(client)

    def register(i: int) -> tuple[int, Any]:
        response = send(clients[i], "post", INCIDENTS, api_incident("RACE-API"))
        return response.status_code, response.json()

    if interleaving == "all-checked-first":
        with all_checked_before_any_inserts(12):
            results = run_together(12, register)
    else:
        results = run_together(12, register)

    statuses = sorted(
        result[0] if isinstance(result, tuple) else repr(result) for result in results
    )
    assert statuses == [201] + [409] * 11, results
    for status, body in results:
        if status == 409:
            assert body["errors"] == [
                {
                    "loc": ["body", "external_ref"],
                    "msg": TAKEN.format("RACE-API"),
                    "type": "duplicate_external_ref",
                }
            ]
    assert Incident.objects.filter(external_ref="RACE-API").count() == 1
    assert AuditEntry.objects.filter(model="incident", action="create").count() == 1


def test_six_simultaneous_imports_of_one_file_create_the_rows_once(
    postgresql: None,
    demo_restored_afterwards: None,
    transactional_db: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    user = User.objects.get(username="police.jetioguz")
    content = sheet([row(external_ref=f"RACE-{i:03d}") for i in range(300)])
    jobs = [
        incident_import_start(
            actor=user,
            filename="incidents.csv",
            content=content,
            language="en",
            enqueue=lambda pk: None,  # run below, in threads
        )
        for _ in range(6)
    ]
    # Every import has looked its keys up before any inserts (the look-up finds nothing).
    ready = threading.Barrier(6, timeout=60)
    real_bulk_insert = incident_spec.bulk_insert

    def bulk_insert(model: Any, objs: Any) -> int:
        if objs and not getattr(local, "waited", False):
            local.waited = True
            ready.wait()
        return real_bulk_insert(model, objs)

    local = threading.local()
    monkeypatch.setattr(incident_spec, "bulk_insert", bulk_insert)

    statuses = run_together(6, lambda i: import_job_execute(jobs[i].pk))

    assert statuses == [str(ImportStatus.SUCCEEDED)] * 6, statuses
    finished = list(ImportJob.objects.filter(pk__in=[job.pk for job in jobs]).order_by("pk"))
    assert sorted((job.created_count, job.unchanged_count) for job in finished) == [
        (0, 300)
    ] * 5 + [(300, 0)]
    assert all(job.error_count == 0 and job.rejected_count == 0 for job in finished)
    assert sorted(job.message for job in finished) == [
        "0 created, 300 already registered, 0 rejected."
    ] * 5 + ["300 created, 0 already registered, 0 rejected."]
    assert Incident.objects.filter(external_ref__startswith="RACE-").count() == 300
