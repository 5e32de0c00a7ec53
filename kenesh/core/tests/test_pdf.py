"""The shared PDF document: Kyrgyz letters, and text blocks one under the other."""

from __future__ import annotations

from kenesh.core.pdf import Document


def test_text_blocks_follow_each_other_from_the_left_margin() -> None:
    pdf = Document(title="Тест", language="ky")
    pdf.add_page()
    pdf.multi_cell(pdf.epw, 7, "Жашаган жериңизде бир нерсе коркунучтуубу?", align="C")
    first = pdf.get_y()
    assert pdf.get_x() == pdf.l_margin
    pdf.multi_cell(pdf.epw, 7, "https://kenesh.example/public/41702210830000/concern/")
    # The second block is under the first, starting at the margin (not at the page's edge).
    assert pdf.get_y() > first
    assert pdf.get_x() == pdf.l_margin
    assert pdf.bytes().startswith(b"%PDF")
