"""Meeting attachments: checked by extension and content before anything is stored, kept in
Django's storage under a random name, downloaded only through the scoped view, removed with an
audit entry. Outsiders (404) and roles without the permission (403) are the sweep's."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kenesh.accounts.models import User
from kenesh.accounts.tests.factories import UserFactory
from kenesh.consultations.models import Meeting, MeetingAttachment
from kenesh.consultations.tests.factories import MeetingFactory
from kenesh.core.models import AuditAction, AuditEntry
from kenesh.core.permissions import Role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(13)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
# The start of a Windows program: "MZ", then the DOS stub.
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(64)


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def docx(*, macros: bool = False) -> bytes:
    members = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
    if macros:
        members["word/vbaProject.bin"] = b"\x00macro"
    return zipped(members)


def xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Participants", 23])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def odt() -> bytes:
    return zipped(
        {"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<office/>"}
    )


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Uploads land in a directory of the test's own, which the tests look into."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture
def meeting() -> Meeting:
    return MeetingFactory.create()


@pytest.fixture
def lcpc(meeting: Meeting) -> User:
    return UserFactory.create(role=Role.LCPC_COORDINATOR, unit=meeting.unit)


def client_for(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def upload(client: Client, meeting: Meeting, name: str, content: bytes, browser_type: str) -> Any:
    url = reverse("consultations:meetings:attachment_add", kwargs={"pk": meeting.pk})
    file = SimpleUploadedFile(name, content, content_type=browser_type)
    return client.post(url, {"attachment-file": file})


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def download_url(attachment: MeetingAttachment) -> str:
    return reverse(
        "consultations:meetings:attachment",
        kwargs={"pk": attachment.meeting_id, "attachment_pk": attachment.pk},
    )


# Accepted ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "stored_type"),
    [
        ("Протокол собрания.pdf", PDF, "application/pdf"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("sheet-signatures.png", PNG, "image/png"),
        (
            "minutes.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "attendance.xlsx",
            xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("minutes.odt", odt(), "application/vnd.oasis.opendocument.text"),
        ("notes.txt", "Жыйын 14-март\r\n".encode(), "text/plain"),
        ("notes-1251.txt", "Собрание 14 марта\n".encode("cp1251"), "text/plain"),
    ],
)
def test_an_allowed_file_is_stored_with_the_type_its_content_shows(
    meeting: Meeting, lcpc: User, media: Path, name: str, content: bytes, stored_type: str
) -> None:
    response = upload(client_for(lcpc), meeting, name, content, "application/octet-stream")

    assert response.status_code == 302
    attachment = MeetingAttachment.objects.get(meeting=meeting)
    assert (attachment.name, attachment.size) == (name, len(content))
    assert attachment.content_type == stored_type  # not the browser's word
    assert attachment.uploaded_by == lcpc
    assert name not in attachment.file.name  # a random name in the storage
    [path] = stored_files(media)
    assert path.read_bytes() == content
    entry = AuditEntry.objects.get(model="meetingattachment", object_id=str(attachment.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.changes["name"] == [None, name]


def test_the_download_is_an_attachment_of_the_stored_type_never_sniffed(
    meeting: Meeting, lcpc: User
) -> None:
    upload(client_for(lcpc), meeting, "minutes.pdf", PDF, "text/html")
    attachment = MeetingAttachment.objects.get(meeting=meeting)
    reader = UserFactory.create(role=Role.POLICE_OFFICER, unit=meeting.unit)

    response = client_for(reader).get(download_url(attachment))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    response.close()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="minutes.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_an_api_client_downloads_the_file_from_the_address_the_meeting_lists(
    meeting: Meeting, lcpc: User
) -> None:
    from kenesh.accounts.services import token_create

    upload(client_for(lcpc), meeting, "minutes.pdf", PDF, "application/pdf")
    reader = UserFactory.create(role=Role.POLICE_OFFICER, unit=meeting.unit)
    _, token = token_create(actor=reader, user=reader, name="script")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    [listed] = api.get(f"/api/v1/meetings/{meeting.pk}").json()["attachments"]

    response = api.get(listed["download"])

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    response.close()
    assert response["Content-Disposition"] == 'attachment; filename="minutes.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_another_meetings_attachment_is_not_found_through_this_meeting(
    meeting: Meeting, lcpc: User
) -> None:
    upload(client_for(lcpc), meeting, "minutes.pdf", PDF, "application/pdf")
    attachment = MeetingAttachment.objects.get(meeting=meeting)
    other = MeetingFactory.create(unit=meeting.unit)

    response = client_for(lcpc).get(
        reverse(
            "consultations:meetings:attachment",
            kwargs={"pk": other.pk, "attachment_pk": attachment.pk},
        )
    )

    assert response.status_code == 404


def test_the_files_are_not_served_at_any_media_address(meeting: Meeting, lcpc: User) -> None:
    upload(client_for(lcpc), meeting, "minutes.pdf", PDF, "application/pdf")
    stored = MeetingAttachment.objects.get(meeting=meeting).file.name

    for address in (f"/{stored}", f"/media/{stored}"):
        assert client_for(lcpc).get(address).status_code == 404


# Refused -----------------------------------------------------------------------------------------


def assert_nothing_stored(meeting: Meeting, media: Path, audits: int) -> None:
    assert not MeetingAttachment.objects.filter(meeting=meeting).exists()
    assert stored_files(media) == []
    assert AuditEntry.objects.count() == audits


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", EXE, "Files of this type cannot be attached. Allowed: PDF, JPEG, PNG"),
        ("page.html", b"<html><script>alert(1)</script>", "Files of this type cannot be attached"),
        ("minutes.pdf", EXE, "The file's content is not a PDF file, whatever its name says."),
        ("photo.jpg", PDF, "The file's content is not a JPEG file"),
        ("minutes.docx", docx(macros=True), "The file's content is not a DOCX file"),
        ("minutes.docx", odt(), "The file's content is not a DOCX file"),
        ("attendance.xlsx", docx(), "The file's content is not a XLSX file"),
        ("notes.txt", EXE, "The file's content is not a TXT file"),
        ("empty.pdf", b"", "The submitted file is empty."),
    ],
)
def test_a_file_of_another_kind_is_refused_with_a_reason_and_nothing_is_stored(
    meeting: Meeting, lcpc: User, media: Path, name: str, content: bytes, message: str
) -> None:
    audits = AuditEntry.objects.count()

    response = upload(client_for(lcpc), meeting, name, content, "application/pdf")

    assert response.status_code == 400
    assert message in " ".join(response.context["attachment_form"].errors["file"])
    assert_nothing_stored(meeting, media, audits)


def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(
    meeting: Meeting, lcpc: User, media: Path, settings: Any
) -> None:
    settings.KENESH_MEETING_ATTACHMENT_MAX_BYTES = 1024
    audits = AuditEntry.objects.count()
    content = PDF + bytes(1025 - len(PDF))

    response = upload(client_for(lcpc), meeting, "scan.pdf", content, "application/pdf")

    assert response.status_code == 400
    errors = " ".join(response.context["attachment_form"].errors["file"])
    assert "an attachment may be at most 1.0\xa0KB" in errors
    assert_nothing_stored(meeting, media, audits)
    # Exactly at the limit is accepted.
    accepted = upload(client_for(lcpc), meeting, "scan.pdf", content[:1024], "application/pdf")
    assert accepted.status_code == 302


def test_a_police_officer_cannot_attach_a_file(meeting: Meeting, media: Path) -> None:
    police = UserFactory.create(role=Role.POLICE_OFFICER, unit=meeting.unit)
    audits = AuditEntry.objects.count()

    response = upload(client_for(police), meeting, "minutes.pdf", PDF, "application/pdf")

    assert response.status_code == 403
    assert_nothing_stored(meeting, media, audits)


# Removed -----------------------------------------------------------------------------------------


def test_removing_an_attachment_deletes_the_record_and_the_file_and_is_audited(
    meeting: Meeting, lcpc: User, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    upload(client_for(lcpc), meeting, "minutes.pdf", PDF, "application/pdf")
    attachment = MeetingAttachment.objects.get(meeting=meeting)
    url = reverse(
        "consultations:meetings:attachment_delete",
        kwargs={"pk": meeting.pk, "attachment_pk": attachment.pk},
    )

    assert client_for(lcpc).get(url).status_code == 302  # a GET only returns to the meeting
    assert MeetingAttachment.objects.filter(pk=attachment.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(lcpc).post(url)

    assert response.status_code == 302
    assert not MeetingAttachment.objects.filter(pk=attachment.pk).exists()
    assert stored_files(media) == []
    entry = AuditEntry.objects.get(
        model="meetingattachment", object_id=str(attachment.pk), action=AuditAction.DELETE
    )
    assert entry.changes["name"] == ["minutes.pdf", None]


def test_a_missing_file_is_not_found_rather_than_an_error(meeting: Meeting, lcpc: User) -> None:
    attachment = MeetingAttachment.objects.create(
        meeting=meeting,
        file="meetings/gone",
        name="gone.pdf",
        content_type="application/pdf",
        size=3,
    )

    response = client_for(lcpc).get(download_url(attachment))

    assert response.status_code == 404
