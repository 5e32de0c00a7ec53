"""A chosen language is kept on the user's account (User.language), not only in one browser's
cookie: an official who logs in on another phone gets the language they chose."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from kenesh.accounts.models import User

pytestmark = pytest.mark.django_db

USERNAME = "lcpc.jetioguz"
PASSWORD = "kenesh-demo"  # the demo accounts' password


def page_language(client: Client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    found = re.search(r'<html lang="([a-z-]+)"', response.content.decode())
    assert found
    return found.group(1)


def logged_in(accept_language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=accept_language)
    response = client.post("/login/", {"username": USERNAME, "password": PASSWORD})
    assert response.status_code == 302
    return client


def choose(client: Client, language: str) -> None:
    response = client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert response.status_code == 302


def test_a_language_chosen_on_one_phone_is_spoken_after_login_on_another() -> None:
    first_phone = logged_in("ky")
    choose(first_phone, "ru")
    assert User.objects.get(username=USERNAME).language == "ru"

    second_phone = logged_in("en")

    assert page_language(second_phone) == "ru"
    assert page_language(second_phone, "/incidents/") == "ru"
    assert second_phone.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"


def test_the_login_answer_sets_the_accounts_language_in_the_browser() -> None:
    User.objects.filter(username=USERNAME).update(language="en")
    client = Client(HTTP_ACCEPT_LANGUAGE="ky")

    response = client.post("/login/", {"username": USERNAME, "password": PASSWORD})

    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_a_new_choice_replaces_the_accounts_language_over_the_browsers() -> None:
    User.objects.filter(username=USERNAME).update(language="ru")
    client = logged_in("ru")

    choose(client, "en")

    assert User.objects.get(username=USERNAME).language == "en"
    assert page_language(client) == "en"


def test_a_user_who_never_chose_gets_the_browsers_language() -> None:
    User.objects.filter(username=USERNAME).update(language="")

    assert page_language(logged_in("en")) == "en"
    assert page_language(logged_in("ru")) == "ru"
    assert User.objects.get(username=USERNAME).language == ""


def test_a_choice_made_before_logging_in_stays_in_the_browser_only() -> None:
    client = Client()
    choose(client, "en")

    assert page_language(client, "/login/") == "en"
    assert not User.objects.filter(language="en").exists()


def test_the_api_answers_in_the_language_the_request_asks_for() -> None:
    User.objects.filter(username=USERNAME).update(language="ru")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(User.objects.get(username=USERNAME))

    response = client.get("/api/v1/incidents", {"limit": 0})

    assert response.status_code == 422
    assert response.json()["detail"] == "The request is not valid."


def test_an_administrator_can_see_and_change_a_users_language(
    client_as: Callable[[str], Client],
) -> None:
    user = User.objects.get(username=USERNAME)

    page = client_as("admin").get(f"/admin/accounts/user/{user.pk}/change/")

    assert page.status_code == 200
    assert 'name="language"' in page.content.decode()
