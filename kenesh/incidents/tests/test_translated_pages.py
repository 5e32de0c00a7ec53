"""The incident and analysis pages speak Kyrgyz by default and Russian on request."""

from __future__ import annotations

import pytest
from django.test import Client

from kenesh.accounts.models import User
from kenesh.portal.demo import JETI_OGUZ

pytestmark = pytest.mark.django_db

PAGES = [
    ("/incidents/", {"ky": "Окуялар", "ru": "Происшествия"}),
    (f"/analysis/hotspots/?unit={JETI_OGUZ}", {"ky": "ысык чекит", "ru": "горячая точка"}),
    ("/analysis/near-repeat/", {"ky": "Жакын жерде кайталануу", "ru": "Повтор"}),
    (f"/analysis/crime/?unit={JETI_OGUZ}", {"ky": "мал уурдоо", "ru": "Кража скота"}),
    ("/analysis/evaluation/", {"ky": "натыйжа", "ru": "Помогло ли?"}),
    ("/incidents/import/", {"ky": "импорт", "ru": "Импорт"}),
]


@pytest.mark.parametrize(("address", "expected"), PAGES)
@pytest.mark.parametrize("language", ["ky", "ru"])
def test_the_page_is_written_in_the_language_asked_for(
    address: str, expected: dict[str, str], language: str
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(User.objects.get(username="police.jetioguz"))
    response = client.get(address)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'lang="{language}"' in page
    assert expected[language].lower() in page.lower(), (address, language)
