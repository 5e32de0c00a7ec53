"""A request declaring a body over the limit is refused from its Content-Length, before the
body is read: JSON 413 under /api/, a translated page otherwise."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from kenesh.core.middleware import UPLOAD_FORM_OVERHEAD, max_request_bytes
from kenesh.incidents.models import Incident

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def test_the_limit_is_the_upload_limit_and_room_for_the_form() -> None:
    assert max_request_bytes() == 50 * MB + UPLOAD_FORM_OVERHEAD
    with override_settings(MAX_UPLOAD_MB=5):
        assert max_request_bytes() == 5 * MB + UPLOAD_FORM_OVERHEAD


def test_an_api_request_declaring_more_gets_a_json_413_and_nothing_is_read(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as("police.jetioguz")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    before = Incident.objects.count()

    # A small body that claims to be large: had anything read it, the JSON would be cut short
    # and the answer a 422, not a 413.
    response = client.post(
        "/api/v1/incidents",
        data=b'{"unit": "41702210830000"}',
        content_type="application/json",
        CONTENT_LENGTH=str(max_request_bytes() + 1),
    )

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is too large.",
        "errors": [
            {"loc": ["body"], "msg": "The request is larger than 50 MB.", "type": "body_too_large"}
        ],
    }
    assert Incident.objects.count() == before


def test_an_anonymous_api_request_declaring_more_gets_413_too(client: Client) -> None:
    response = client.post(
        "/api/v1/auth/token",
        data=b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(max_request_bytes() + 1),
    )

    assert response.status_code == 413
    assert set(response.json()) == {"detail", "errors"}


@override_settings(MAX_UPLOAD_MB=1)
def test_a_file_just_over_the_upload_limit_reaches_the_import_which_names_the_limit(
    client_as: Callable[[str], Client],
) -> None:
    # The room for the form lets the request through; the import says how large a file may be.
    client = client_as("police.jetioguz")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    sheet = SimpleUploadedFile("big.csv", b"x" * (MB + 10), content_type="text/csv")

    response = client.post("/api/v1/imports", {"kind": "incidents", "file": sheet})

    assert response.status_code == 422, response.content
    assert "The file is larger than 1 MB." in response.content.decode()


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "File too large"), ("ru", "Файл слишком велик"), ("ky", "Файл өтө чоң")],
)
def test_a_page_upload_declaring_more_gets_a_translated_413_page(
    client_as: Callable[[str], Client], language: str, text: str
) -> None:
    client = client_as("police.jetioguz")
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language

    response = client.post(
        "/incidents/import/",
        data=b"--x--\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(max_request_bytes() + 1),
    )

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Language"] == language
    page = response.content.decode()
    assert ("50 MB" if language == "en" else "50 МБ") in page
    assert text in page


@override_settings(MAX_UPLOAD_MB=1)
def test_the_limit_follows_the_setting(client_as: Callable[[str], Client]) -> None:
    response = client_as("police.jetioguz").post(
        "/api/v1/incidents",
        data=b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(2 * MB + 1),
    )

    assert response.status_code == 413
