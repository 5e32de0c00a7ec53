"""The printable poster of a municipality's concern form: a PDF with the form's QR code, the
municipality's name, in Kyrgyz or Russian."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from kenesh.geo.tests.factories import MunicipalityFactory, RayonFactory

pytestmark = pytest.mark.django_db


def utf16_title(text: str) -> bytes:
    """How fpdf2 writes a non-Latin document title: UTF-16BE with its byte-order mark, in hex."""
    return ("<feff" + text.encode("utf-16-be").hex() + ">").encode()


@pytest.mark.parametrize("language", ["ky", "ru"])
def test_the_poster_is_a_pdf_with_the_qr_code_and_the_municipality(
    language: str, settings: object
) -> None:
    settings.KENESH_SMS_NUMBER = "7788"  # type: ignore[attr-defined]
    unit = MunicipalityFactory.create(
        name_ky="Жети-Өгүз айыл аймагы", name_ru="Жети-Огузский айыл аймак"
    )
    response = Client().get(f"/public/{unit.code}/poster.pdf", {"language": language})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/Subtype /Image" in pdf  # the QR code
    name = unit.name_ky if language == "ky" else unit.name_ru
    assert utf16_title(name) in pdf
    assert re.search(rb"/Lang \(" + language.encode(), pdf)
    assert b"/FontFile2" in pdf  # DejaVu embedded: Kyrgyz letters print


def test_a_poster_only_for_a_municipality() -> None:
    assert Client().get(f"/public/{RayonFactory.create().code}/poster.pdf").status_code == 404


def test_an_unknown_language_falls_back_to_kyrgyz() -> None:
    unit = MunicipalityFactory.create()
    response = Client().get(f"/public/{unit.code}/poster.pdf", {"language": "fr"})
    assert b"/Lang (ky" in response.content
