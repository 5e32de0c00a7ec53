"""Printable PDF documents (posters, reports) with fpdf2, in Kyrgyz, Russian and English.

The core PDF fonts cannot write Cyrillic, let alone the Kyrgyz letters ң, ө and ү, so every
document uses DejaVu Sans (regular and bold, kenesh/core/data/, Bitstream Vera licence in
DejaVu-LICENSE.txt), registered in one place: :class:`Document`. A QR code of an address is
:func:`qr_png`. Documents are built in memory; :meth:`Document.bytes` is the file.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import qrcode
from fpdf import FPDF
from fpdf.enums import XPos, YPos

DATA = Path(__file__).resolve().parent / "data"
FONT_FAMILY = "DejaVu"
FONTS = {"": DATA / "DejaVuSans.ttf", "B": DATA / "DejaVuSans-Bold.ttf"}


class Document(FPDF):
    """An A4 portrait document (millimetres) with the Kenesh fonts registered, its title and
    language in the file's metadata (a screen reader and a search index read them)."""

    def __init__(self, *, title: str, language: str, author: str = "Kenesh", **kwargs: Any):
        kwargs.setdefault("orientation", "portrait")
        kwargs.setdefault("unit", "mm")
        kwargs.setdefault("format", "A4")
        super().__init__(**kwargs)
        for style, path in FONTS.items():
            self.add_font(FONT_FAMILY, style, str(path))
        self.set_font(FONT_FAMILY, size=12)
        self.set_title(title)
        self.set_author(author)
        self.set_creator("Kenesh")
        self.set_lang(language)

    def multi_cell(self, *args: Any, **kwargs: Any) -> Any:
        """A block of text; the next one starts on the following line at the left margin
        (fpdf2 leaves the position at the block's right, so a second full-width block would
        start at the page's edge and run off it)."""
        kwargs.setdefault("new_x", XPos.LMARGIN)
        kwargs.setdefault("new_y", YPos.NEXT)
        return super().multi_cell(*args, **kwargs)

    def font(self, size: float, *, bold: bool = False) -> None:
        self.set_font(FONT_FAMILY, "B" if bold else "", size)

    def bytes(self) -> bytes:
        return bytes(self.output())


def qr_png(text: str, *, box_size: int = 10, border: int = 2) -> io.BytesIO:
    """A QR code of ``text`` (an address) as a PNG in memory, error correction M (15 % of the
    code may be damaged, enough for a poster on a wall), for :meth:`FPDF.image`."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border
    )
    code.add_data(text)
    code.make(fit=True)
    stream = io.BytesIO()
    code.make_image().save(stream, format="PNG")
    stream.seek(0)
    return stream
