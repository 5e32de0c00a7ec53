"""Staff pages of surveys: the list, a survey with its questions, creating and editing a survey
and its questions, a new round, paper entry of responses and their counts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from kenesh.accounts.selectors import acting_user
from kenesh.consultations.models import Question, ResponseChannel, Survey
from kenesh.consultations.services import response_submit
from kenesh.consultations.standard import create_standard_survey
from kenesh.consultations.surveys import selectors, services
from kenesh.consultations.surveys.forms import (
    NewRoundForm,
    OptionFormSet,
    QuestionForm,
    ResponseForm,
    StandardSurveyForm,
    SurveyFilterForm,
    SurveyForm,
    option_data,
    option_rows,
)
from kenesh.core.access import access, requires
from kenesh.core.pages import form_changes, form_status, paginate_page, query_without_page
from kenesh.core.permissions import Action, Resource
from kenesh.core.scope import allowed, allowed_anywhere, require_anywhere, require_at


def _may_write(request: HttpRequest, survey: Survey) -> bool:
    return allowed(request.user, Action.WRITE, Resource.SURVEYS, survey.unit.path)


def _template_guard(survey: Survey) -> None:
    """A programme-wide template is copied, not answered: it takes no response."""
    if survey.is_template:
        raise Http404


# Surveys ---------------------------------------------------------------------------------------


@access(requires(Resource.SURVEYS, Action.READ))
@require_safe
@login_required
def survey_list_page(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.READ, Resource.SURVEYS)
    form = SurveyFilterForm(request.GET or None, user=request.user)
    form.is_valid()
    surveys = selectors.survey_list(user=request.user, filters=form.survey_filter())
    context = {
        "form": form,
        "page_obj": paginate_page(request, surveys),
        "query": query_without_page(request),
        "may_create": allowed_anywhere(request.user, Action.WRITE, Resource.SURVEYS),
    }
    return render(request, "consultations/surveys/survey_list.html", context)


@access(requires(Resource.SURVEYS, Action.READ))
@require_safe
@login_required
def survey_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(user=request.user, pk=pk)
    questions = selectors.survey_questions(survey)
    numbers = {question.pk: n for n, question in enumerate(questions, start=1)}
    # A display condition's answers as the respondent reads them ("“Ооба”"), not their codes.
    labels = {
        (question.pk, option.code): option.label
        for question in questions
        for option in question.options.all()
    }
    response_count = survey.responses.count()
    context = {
        "survey": survey,
        "questions": [
            {
                "question": question,
                "number": numbers[question.pk],
                "condition_number": numbers.get(question.shown_if_question_id or 0),
                "condition_answers": " / ".join(
                    f"“{labels.get((question.shown_if_question_id or 0, code), code)}”"
                    for code in question.shown_if_options
                ),
            }
            for question in questions
        ],
        "response_count": response_count,
        "frozen": response_count > 0,
        "may_edit": _may_write(request, survey),
        "results_url": reverse("consultations:results:results", kwargs={"pk": survey.pk}),
        "public_url": request.build_absolute_uri(
            reverse("consultations:answer:form", kwargs={"public_key": survey.public_key})
        ),
    }
    return render(request, "consultations/surveys/survey_detail.html", context)


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def survey_create_page(request: HttpRequest) -> HttpResponse:
    require_anywhere(request.user, Action.WRITE, Resource.SURVEYS)
    form = SurveyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        require_at(request.user, Action.WRITE, Resource.SURVEYS, form.cleaned_data["unit"].path)
        try:
            survey = services.survey_create(actor=acting_user(request), data=form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The survey was created. Now add its questions."))
            return redirect("consultations:surveys:detail", pk=survey.pk)
    context = {"form": form}
    return render(
        request, "consultations/surveys/survey_form.html", context, status=form_status(form)
    )


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def survey_edit_page(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(user=request.user, pk=pk, action=Action.WRITE)
    form = SurveyForm(request.POST or None, instance=survey, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form_changes(form)
        if "unit" in data:
            require_at(request.user, Action.WRITE, Resource.SURVEYS, data["unit"].path)
        try:
            services.survey_update(actor=acting_user(request), survey=form.instance, data=data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The survey was saved."))
            return redirect("consultations:surveys:detail", pk=survey.pk)
    context = {"form": form, "survey": survey}
    return render(
        request, "consultations/surveys/survey_form.html", context, status=form_status(form)
    )


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def survey_standard_page(request: HttpRequest) -> HttpResponse:
    """Start the standard perception survey (kenesh.consultations.standard) in a municipality."""
    require_anywhere(request.user, Action.WRITE, Resource.SURVEYS)
    form = StandardSurveyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        unit = form.cleaned_data["unit"]
        require_at(request.user, Action.WRITE, Resource.SURVEYS, unit.path)
        try:
            survey = create_standard_survey(
                unit=unit,
                round=form.cleaned_data["round"],
                opens_on=form.cleaned_data["opens_on"],
                closes_on=form.cleaned_data["closes_on"],
                actor=acting_user(request),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("The standard survey was created as a draft."))
            return redirect("consultations:surveys:detail", pk=survey.pk)
    return render(
        request,
        "consultations/surveys/standard_form.html",
        {"form": form},
        status=form_status(form),
    )


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def survey_new_round_page(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(user=request.user, pk=pk, action=Action.WRITE)
    form = NewRoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.survey_new_round(
                actor=acting_user(request), survey=survey, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("The new round was created as a draft, with the same questions.")
            )
            return redirect("consultations:surveys:detail", pk=copy.pk)
    return render(
        request,
        "consultations/surveys/new_round.html",
        {"form": form, "survey": survey},
        status=form_status(form),
    )


# Questions -------------------------------------------------------------------------------------


def _frozen_refusal(request: HttpRequest, survey: Survey) -> HttpResponse | None:
    """Back to the survey with the reason, when its questions can no longer change."""
    if survey.has_responses:
        messages.error(request, services.frozen_message())
        return redirect("consultations:surveys:detail", pk=survey.pk)
    return None


def _question_page(request: HttpRequest, survey: Survey, question: Question | None) -> HttpResponse:
    refusal = _frozen_refusal(request, survey)
    if refusal is not None:
        return refusal
    form = QuestionForm(request.POST or None, instance=question, survey=survey)
    options = OptionFormSet(request.POST or None, initial=option_rows(question), prefix="options")
    if request.method == "POST" and form.is_valid() and options.is_valid():
        data = form.question_data()
        if question is not None and data.get("order") is None:
            data.pop("order")
        try:
            if question is None:
                services.question_create(
                    actor=acting_user(request),
                    survey=survey,
                    data=data,
                    options=option_data(options),
                )
            else:
                services.question_update(
                    actor=acting_user(request),
                    question=question,
                    data=data,
                    options=option_data(options),
                )
        except services.QuestionsFrozen as exc:
            messages.error(request, exc.messages[0])
            return redirect("consultations:surveys:detail", pk=survey.pk)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The question was saved."))
            if request.POST.get("then") == "another":
                return redirect("consultations:surveys:question_add", pk=survey.pk)
            return redirect("consultations:surveys:detail", pk=survey.pk)
    context = {"form": form, "options": options, "survey": survey, "question": question}
    status = 400 if request.method == "POST" and (form.errors or options.errors) else 200
    return render(request, "consultations/surveys/question_form.html", context, status=status)


def _form_errors(form: QuestionForm, exc: ValidationError) -> None:
    """A service's errors on the form's fields (conditions and options on the fields that set
    them)."""
    places = {
        "shown_if_question": "condition",
        "shown_if_options": "condition",
        "options": None,
        "survey": None,
        "__all__": None,
    }
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, messages_ in exc.message_dict.items():
        target = places.get(field, field)
        if target is not None and target not in form.fields:
            target = None
        for message in messages_:
            form.add_error(target, message)


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def question_add_page(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_get(user=request.user, pk=pk, action=Action.WRITE)
    return _question_page(request, survey, None)


def _question_of(request: HttpRequest, pk: int, question_pk: int) -> tuple[Survey, Question]:
    survey = selectors.survey_get(user=request.user, pk=pk, action=Action.WRITE)
    question = (
        survey.questions.select_related("survey__unit", "shown_if_question")
        .prefetch_related("options")
        .filter(pk=question_pk)
        .first()
    )
    if question is None:
        raise Http404
    return survey, question


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def question_edit_page(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    survey, question = _question_of(request, pk, question_pk)
    return _question_page(request, survey, question)


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def question_delete_page(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    survey, question = _question_of(request, pk, question_pk)
    refusal = _frozen_refusal(request, survey)
    if refusal is not None:
        return refusal
    error = ""
    if request.method == "POST":
        try:
            services.question_delete(actor=acting_user(request), question=question)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The question was deleted."))
            return redirect("consultations:surveys:detail", pk=survey.pk)
    return render(
        request,
        "consultations/surveys/question_delete.html",
        {"survey": survey, "question": question, "error": error},
        status=400 if error else 200,
    )


# Responses -------------------------------------------------------------------------------------


@access(requires(Resource.SURVEYS, Action.READ))
@require_safe
@login_required
def survey_responses_page(request: HttpRequest, pk: int) -> HttpResponse:
    """How many responses came in, by channel, sex, age band and settlement: counts only."""
    survey = selectors.survey_get(user=request.user, pk=pk)
    context = {
        "survey": survey,
        "summary": selectors.response_summary(survey=survey),
        "may_enter": _may_write(request, survey) and not survey.is_template,
        "results_url": reverse("consultations:results:results", kwargs={"pk": survey.pk}),
    }
    return render(request, "consultations/surveys/responses.html", context)


@access(requires(Resource.SURVEYS, Action.WRITE))
@login_required
def response_add_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Type one paper questionnaire; after saving, an empty form again for the next one."""
    survey = selectors.survey_get(user=request.user, pk=pk, action=Action.WRITE)
    _template_guard(survey)
    questions = selectors.survey_questions(survey)
    form = ResponseForm(request.POST or None, survey=survey, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            response_submit(
                actor=acting_user(request),
                survey=survey,
                answers=form.answers(),
                respondent={**form.respondent(), "channel": ResponseChannel.PAPER},
                questions=questions,
            )
        except ValidationError as exc:
            form.add_answer_errors(exc.message_dict)
        else:
            count = selectors.paper_count(survey=survey)
            messages.success(
                request,
                ngettext(
                    "Saved. %(count)d paper questionnaire of this survey is entered.",
                    "Saved. %(count)d paper questionnaires of this survey are entered.",
                    count,
                )
                % {"count": count},
            )
            return redirect("consultations:surveys:response_add", pk=survey.pk)
    context = {"survey": survey, "form": form, "staff": True}
    return render(
        request, "consultations/surveys/response_form.html", context, status=form_status(form)
    )
