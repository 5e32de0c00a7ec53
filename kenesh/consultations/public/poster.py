"""The printable poster of a municipality's concern form: A4, in Kyrgyz or Russian, with the
form's QR code and address, the SMS number when there is one, and how to follow a concern."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from kenesh.core.models import localized_name
from kenesh.core.pdf import Document, qr_png
from kenesh.geo.models import AdministrativeUnit

#: The poster's languages: the municipalities' own.
LANGUAGES = ("ky", "ru")

QR_SIZE_MM = 90


def concern_poster(
    *, unit: AdministrativeUnit, language: str, form_address: str, status_address: str
) -> bytes:
    """The poster as a PDF file."""
    with translation.override(language):
        name = localized_name(unit, language)
        pdf = Document(title=name, language=language)
        pdf.set_margins(18, 18, 18)
        pdf.set_auto_page_break(auto=False)
        pdf.add_page()
        width = pdf.epw
        pdf.font(30, bold=True)
        pdf.multi_cell(width, 13, _("Is something unsafe where you live?"), align="C")
        pdf.ln(3)
        pdf.font(18)
        pdf.multi_cell(width, 9, _("Tell the local crime prevention centre."), align="C")
        pdf.ln(2)
        pdf.font(20, bold=True)
        pdf.multi_cell(width, 10, name, align="C")
        pdf.ln(6)
        pdf.image(qr_png(form_address), x=(pdf.w - QR_SIZE_MM) / 2, w=QR_SIZE_MM, h=QR_SIZE_MM)
        pdf.ln(4)
        pdf.font(13)
        pdf.multi_cell(width, 7, _("Scan the code with your phone, or open:"), align="C")
        pdf.font(12, bold=True)
        pdf.multi_cell(width, 7, form_address, align="C")
        sms = str(getattr(settings, "KENESH_SMS_NUMBER", "") or "")
        if sms:
            pdf.ln(4)
            pdf.font(15)
            pdf.multi_cell(
                width, 8, _("Or send an SMS to %(number)s.") % {"number": sms}, align="C"
            )
        pdf.ln(6)
        pdf.font(12)
        for line in (
            _("You do not need to give your name. Do not write other people's names."),
            _("You get a reference number: with it you can follow what is done at"),
        ):
            pdf.multi_cell(width, 6.5, line, align="C")
        pdf.font(12, bold=True)
        pdf.multi_cell(width, 6.5, status_address, align="C")
        pdf.set_y(-28)
        pdf.font(9)
        pdf.multi_cell(
            width,
            5,
            _("Kenesh — community-based crime prevention"),
            align="C",
        )
        return pdf.bytes()
