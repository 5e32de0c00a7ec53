"""What a meeting's attachment may be: the allowed kinds of file, recognised by their name's
extension AND by their first bytes (never by the content type a browser sends).

A file whose extension and content disagree (a program renamed ``minutes.pdf``) is refused.
Office documents are ZIP archives: the archive's own table of contents tells a Word document
from a spreadsheet or an OpenDocument text, and one carrying macros is refused.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from kenesh.consultations.models import MeetingAttachment

ZIP_MAGIC = b"PK\x03\x04"
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"
# Bytes of a plain text file that no text has: C0 controls other than tab, line feed, form
# feed, carriage return and escape (a NUL is the surest sign of a program or an image).
_BINARY_BYTES = frozenset(range(0x00, 0x09)) | {0x0B} | frozenset(range(0x0E, 0x1B)) | {0x1C}
_BINARY_BYTES |= frozenset(range(0x1D, 0x20)) | {0x7F}
HEAD_BYTES = 8192  # what is read of a text file to tell it from a binary one


@dataclass(frozen=True)
class FileKind:
    """An allowed kind of attachment: its extensions, the type it is served with, and the check
    of its content."""

    label: str
    extensions: tuple[str, ...]
    content_type: str
    matches: Callable[[IO[bytes]], bool]


def _starts_with(magic: bytes) -> Callable[[IO[bytes]], bool]:
    def check(stream: IO[bytes]) -> bool:
        stream.seek(0)
        return stream.read(len(magic)) == magic

    return check


def _zip_names(stream: IO[bytes]) -> zipfile.ZipFile | None:
    stream.seek(0)
    if stream.read(4) != ZIP_MAGIC:
        return None
    stream.seek(0)
    try:
        return zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def _office(part: str) -> Callable[[IO[bytes]], bool]:
    """An Office Open XML document: a ZIP with ``[Content_Types].xml`` and ``part``, and no
    macros (``vbaProject.bin``)."""

    def check(stream: IO[bytes]) -> bool:
        archive = _zip_names(stream)
        if archive is None:
            return False
        with archive:
            names = set(archive.namelist())
        return (
            "[Content_Types].xml" in names
            and part in names
            and not any(name.lower().endswith("vbaproject.bin") for name in names)
        )

    return check


def _odt(stream: IO[bytes]) -> bool:
    """An OpenDocument text: a ZIP whose ``mimetype`` member names it, without macros."""
    archive = _zip_names(stream)
    if archive is None:
        return False
    with archive:
        try:
            info = archive.getinfo("mimetype")
        except KeyError:
            return False
        if info.file_size > 100:
            return False
        with archive.open(info) as member:
            declared = member.read(100).strip()
        names = archive.namelist()
    return declared == ODT_MIMETYPE and not any(name.startswith("Basic/") for name in names)


def _text(stream: IO[bytes]) -> bool:
    """Plain text in any single-byte or UTF-8 encoding: no control bytes a text never has."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text has NULs by design
        return False
    return not any(byte in _BINARY_BYTES for byte in head)


KINDS: tuple[FileKind, ...] = (
    FileKind("PDF", (".pdf",), "application/pdf", _starts_with(b"%PDF-")),
    FileKind("JPEG", (".jpg", ".jpeg"), "image/jpeg", _starts_with(b"\xff\xd8\xff")),
    FileKind("PNG", (".png",), "image/png", _starts_with(b"\x89PNG\r\n\x1a\n")),
    FileKind(
        "DOCX",
        (".docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _office("word/document.xml"),
    ),
    FileKind(
        "XLSX",
        (".xlsx",),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _office("xl/workbook.xml"),
    ),
    FileKind("ODT", (".odt",), "application/vnd.oasis.opendocument.text", _odt),
    FileKind("TXT", (".txt",), "text/plain", _text),
)
BY_EXTENSION = {extension: kind for kind in KINDS for extension in kind.extensions}
ALLOWED_LABELS = ", ".join(kind.label for kind in KINDS)


def max_bytes() -> int:
    return int(getattr(settings, "KENESH_MEETING_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def check_attachment(name: str, size: int, stream: IO[bytes]) -> FileKind:
    """The kind of an uploaded file, or ``ValidationError`` (on ``file``) saying why it is
    refused: empty, too large, an extension not allowed, or content that is not what its
    extension says."""
    if size <= 0:
        raise ValidationError({"file": _("The file is empty.")})
    limit = max_bytes()
    if size > limit:
        raise ValidationError(
            {
                "file": _("The file is %(size)s; an attachment may be at most %(limit)s.")
                % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
            }
        )
    extension = PurePath(name).suffix.lower()
    kind = BY_EXTENSION.get(extension)
    if kind is None:
        raise ValidationError(
            {
                "file": _("Files of this type cannot be attached. Allowed: %(kinds)s.")
                % {"kinds": ALLOWED_LABELS}
            }
        )
    if not kind.matches(stream):
        raise ValidationError(
            {
                "file": _(
                    "The file's content is not a %(kind)s file, whatever its name says. Save it "
                    "again as %(kind)s, or attach it in its own format."
                )
                % {"kind": kind.label}
            }
        )
    stream.seek(0)
    return kind


def download_response(attachment: MeetingAttachment) -> FileResponse:
    """The stored file, as a download only: its stored type (found by its content when it was
    attached), never rendered in the browser's window, never guessed again by the browser. The
    page and the API both answer with it; 404 when the file is no longer stored."""
    try:
        stream = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404(_("The file of this attachment is no longer stored.")) from exc
    response = FileResponse(
        stream, as_attachment=True, filename=attachment.name, content_type=attachment.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
