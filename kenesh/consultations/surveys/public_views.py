"""The public response form at /s/<public_key>/: no login, in the visitor's language, without
JavaScript, one response per browser, rate-limited per client address.

One response per browser: the browser keeps a long random cookie; the response stores a keyed
hash of it (HMAC with the secret key, with the survey's key in the message, so that the hashes
of one browser in two surveys cannot be linked), never the cookie itself. Clearing cookies or
another browser gets round it, as on any web survey; it stops the accidental second response and
the casual repeat, and the rate limit the scripted ones.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from kenesh.accounts.client_address import client_address
from kenesh.consultations.models import Response, ResponseChannel, Survey, SurveyStatus
from kenesh.consultations.services import response_submit
from kenesh.consultations.surveys import selectors
from kenesh.consultations.surveys.forms import ResponseForm
from kenesh.core.access import PUBLIC, access
from kenesh.core.ratelimit import RateLimit

COOKIE = "kenesh_respondent"
COOKIE_AGE_S = 2 * 365 * 24 * 3600
#: Responses one client address may send in ten minutes: generous, as a whole village may
#: share one mobile carrier address.
RESPONSES = RateLimit("survey-response", limit=30, window_s=600)


def browser_key(survey: Survey, token: str) -> str:
    """The keyed hash of a browser's cookie for one survey (what Response.browser_key keeps)."""
    message = f"{survey.public_key}:{token}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _survey(public_key: str) -> Survey:
    """The survey behind a public link: 404 for an unknown key, a draft or a template."""
    survey = (
        Survey.objects.select_related("unit")
        .defer("unit__boundary")
        .filter(public_key=public_key, is_template=False)
        .exclude(status=SurveyStatus.DRAFT)
        .first()
    )
    if survey is None:
        raise Http404
    return survey


def _already_answered(survey: Survey, token: str) -> bool:
    return (
        bool(token)
        and Response.objects.filter(survey=survey, browser_key=browser_key(survey, token)).exists()
    )


def busy_message() -> str:
    return _(
        "Many answers came from your network in the last minutes. Please send again in ten "
        "minutes; your answers are kept below but were not saved yet."
    )


def _page(
    request: HttpRequest, template: str, context: dict[str, object], status: int = 200
) -> HttpResponse:
    response = render(request, f"consultations/answer/{template}", context, status=status)
    response["X-Robots-Tag"] = "noindex"
    return response


@access(PUBLIC)
@never_cache
def answer_form_page(request: HttpRequest, public_key: str) -> HttpResponse:
    survey = _survey(public_key)
    if not survey.is_open_on(timezone.localdate()):
        context = {"survey": survey, "today": timezone.localdate()}
        return _page(request, "closed.html", context, status=410)
    token = request.COOKIES.get(COOKIE, "")
    if _already_answered(survey, token):
        return _page(request, "already.html", {"survey": survey})
    questions = selectors.survey_questions(survey)
    form = ResponseForm(request.POST or None, survey=survey, questions=questions, honeypot=True)
    status = 200
    if request.method == "POST":
        if form.honeypot_filled:
            # A script: answered as if it had worked, and nothing stored.
            return redirect("consultations:answer:done", public_key=survey.public_key)
        address = client_address(request) or "unknown"
        if RESPONSES.exceeded(address):
            form.is_valid()
            form.add_error(None, busy_message())
            context = {"survey": survey, "form": form, "items": form.items()}
            return _page(request, "form.html", context, status=429)
        if form.is_valid():
            token = token or secrets.token_urlsafe(32)
            try:
                response_submit(
                    actor=None,
                    survey=survey,
                    answers=form.answers(),
                    respondent={
                        **form.respondent(),
                        "channel": ResponseChannel.ONLINE,
                        "browser_key": browser_key(survey, token),
                    },
                    questions=questions,
                )
            except ValidationError as exc:
                form.add_answer_errors(exc.message_dict)
            except IntegrityError:  # the same browser, twice at the same moment
                return _page(request, "already.html", {"survey": survey})
            else:
                RESPONSES.count(address)
                answer = redirect("consultations:answer:done", public_key=survey.public_key)
                answer.set_cookie(
                    COOKIE,
                    token,
                    max_age=COOKIE_AGE_S,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
                return answer
        status = 400
    context = {"survey": survey, "form": form, "items": form.items()}
    return _page(request, "form.html", context, status=status)


@access(PUBLIC)
@never_cache
def answer_done_page(request: HttpRequest, public_key: str) -> HttpResponse:
    survey = _survey(public_key)
    return _page(request, "done.html", {"survey": survey})
