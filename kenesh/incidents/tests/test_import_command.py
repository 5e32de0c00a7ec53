"""``kenesh import incidents FILE``: exit status, progress on stderr, options."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kenesh.core.models import AuditEntry, ImportJob, ImportMapping
from kenesh.incidents.models import Incident
from kenesh.incidents.tests.import_support import HEADER, KARAKOL, row, sheet, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_incidents() -> None:
    Incident.objects.all().delete()


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", "incidents", *args, "--language", "en", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_clean_file_is_imported_with_a_progress_bar_on_stderr(tmp_path: Path) -> None:
    path = tmp_path / "incidents.csv"
    path.write_bytes(sheet([row(external_ref=f"C-{i}") for i in range(3)]))
    out, err = run(str(path))
    assert "3 created, 0 already registered, 0 rejected." in out
    assert "[##############################] 100% 3/3" in err
    job = ImportJob.objects.get()
    assert (job.created_by, job.created_count, job.status) == (None, 3, "succeeded")
    assert Incident.objects.filter(import_job=job).count() == 3
    audit = AuditEntry.objects.filter(model="importjob", object_id=str(job.pk)).get()
    assert audit.changes["created"] == [None, 3]


def test_rejected_rows_fail_the_command_and_write_nothing(tmp_path: Path) -> None:
    path = tmp_path / "incidents.xlsx"
    path.write_bytes(xlsx([row(external_ref="F-1"), row(external_ref="F-2", iccs_code="99")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import", "incidents", str(path), "--language", "en", stderr=err)
    assert "line 3, column iccs_code: No ICCS category has this code." in err.getvalue()
    assert Incident.objects.count() == 0


def test_skip_invalid_writes_the_valid_rows_and_the_rejects_file(tmp_path: Path) -> None:
    path, rejects = tmp_path / "in.csv", tmp_path / "out.csv"
    path.write_bytes(sheet([row(external_ref="G-1"), row(external_ref="G-2", status="lost")]))
    out, _err = run(str(path), "--skip-invalid", "--rejects", str(rejects))
    assert "1 created, 0 already registered, 1 rejected." in out
    lines = list(csv.reader(io.StringIO(rejects.read_text(encoding="utf-8-sig"))))
    assert lines[0] == [*HEADER, "reason"]
    assert [line[0] for line in lines[1:]] == ["G-2"]
    assert lines[1][-1].startswith("status: Choose one of:")


def test_a_dry_run_reports_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(sheet([row()]))
    out, _err = run(str(path), "--dry-run")
    assert "no errors; 1 would be created, 0 are already registered" in out
    assert Incident.objects.count() == 0


def test_a_user_imports_only_within_their_territory(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(sheet([row(municipality=KARAKOL, settlement="", latitude="", longitude="")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command(
            "import",
            "incidents",
            str(path),
            "--user",
            "police.jetioguz",
            "--language",
            "en",
            stderr=err,
        )
    assert (
        "line 2, column municipality: This municipality is not in your territory." in err.getvalue()
    )
    out, _err = run(str(path), "--user", "police.karakol")
    assert "1 created" in out
    assert ImportJob.objects.filter(created_by__username="police.karakol").count() == 1


def test_an_unknown_user_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(sheet([row()]))
    with pytest.raises(CommandError, match="nobody"):
        run(str(path), "--user", "nobody")


def test_a_mapping_given_on_the_command_line_can_be_saved_and_reused(tmp_path: Path) -> None:
    header = ["№" if name == "external_ref" else name for name in HEADER]
    data = row(external_ref="H-1")
    data["№"] = data.pop("external_ref")
    path = tmp_path / "in.csv"
    path.write_bytes(sheet([data], header))
    run(str(path), "--map", "external_ref=№", "--save-mapping", "station", "--dry-run")
    assert ImportMapping.objects.get(name="station").mapping == {"external_ref": "№"}
    out, _err = run(str(path), "--mapping", "station")
    assert "1 created" in out
    with pytest.raises(CommandError, match="COLUMN=HEADER"):
        run(str(path), "--map", "external_ref")


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_the_template_is_written_and_its_example_row_is_not_imported(
    tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"template.{suffix}"
    out, _err = run("--template", str(path))
    assert str(path) in out
    out, _err = run(str(path))
    assert "nothing was written" in out
    assert "Line 2 is the template's example" in out
    assert not Incident.objects.exists()


def test_a_template_of_another_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"\.csv or \.xlsx"):
        run("--template", str(tmp_path / "t.pdf"))


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        run(str(tmp_path / "none.csv"))


def test_importing_the_same_file_again_changes_nothing_and_audits_nothing_more(
    tmp_path: Path,
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(sheet([row(external_ref=f"A-{i}") for i in range(3)]))
    run(str(path))
    incidents = list(Incident.objects.order_by("pk").values())
    audit = AuditEntry.objects.count()
    out, _err = run(str(path))
    assert "0 created, 3 already registered, 0 rejected." in out
    assert list(Incident.objects.order_by("pk").values()) == incidents
    assert AuditEntry.objects.count() == audit  # a job that wrote nothing is not audited
    assert ImportJob.objects.count() == 2  # but both jobs are kept


def test_a_nul_character_in_a_code_is_a_row_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(sheet([row(settlement="4170\x00")]))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "incidents", str(path), "--language", "en", stderr=err)
    assert "column settlement: No settlement has this code." in err.getvalue()


def test_a_template_in_a_missing_folder_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot write"):
        run("--template", str(tmp_path / "no" / "such" / "t.csv"))


def test_rejects_in_a_missing_folder_are_refused_before_anything_runs(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(sheet([row()]))
    jobs = ImportJob.objects.count()
    with pytest.raises(CommandError, match="No such folder"):
        run(str(path), "--skip-invalid", "--rejects", str(tmp_path / "no" / "out.csv"))
    assert ImportJob.objects.count() == jobs and Incident.objects.count() == 0


def test_a_file_that_cannot_be_read_says_so_rather_than_counting_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    path.write_bytes(b"\xd0\xcf\x11\xe0rest of an old workbook")
    with pytest.raises(CommandError, match="The file cannot be imported"):
        run(str(path))


def test_a_second_skip_invalid_run_counts_the_rows_already_registered(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(sheet([row(external_ref="R-1"), row(external_ref="R-2", status="lost")]))
    run(str(path), "--skip-invalid", "--rejects", str(tmp_path / "r1.csv"))
    out, _err = run(str(path), "--skip-invalid", "--rejects", str(tmp_path / "r2.csv"))
    assert "0 created, 1 already registered, 1 rejected." in out
    # The command line keeps the rejects in its own file: the job offers no download.
    job = ImportJob.objects.latest("pk")
    assert job.rejects is None
