"""The concern services announce a new concern and each status step after the commit; a
listener that fails does not undo the change."""

from __future__ import annotations

from typing import Any

import pytest

from kenesh.consultations import signals
from kenesh.consultations.models import Concern, ConcernStatus
from kenesh.consultations.services import concern_create, concern_set_status
from kenesh.geo.tests.factories import MunicipalityFactory

pytestmark = pytest.mark.django_db


def test_a_new_concern_and_its_status_steps_are_announced_after_the_commit(
    django_capture_on_commit_callbacks: Any,
) -> None:
    heard: list[tuple[str, dict[str, Any]]] = []

    def created(sender: Any, **kwargs: Any) -> None:
        heard.append(("created", kwargs))

    def changed(sender: Any, **kwargs: Any) -> None:
        heard.append(("changed", kwargs))

    signals.concern_created.connect(created, dispatch_uid="test-created")
    signals.concern_status_changed.connect(changed, dispatch_uid="test-changed")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            concern = concern_create(
                actor=None,
                data={"unit": MunicipalityFactory.create(), "text": "Фонарь", "channel": "web"},
            )
            assert heard == []  # nothing before the commit
        with django_capture_on_commit_callbacks(execute=True):
            concern_set_status(actor=None, concern=concern, status=ConcernStatus.ACKNOWLEDGED)
    finally:
        signals.concern_created.disconnect(dispatch_uid="test-created")
        signals.concern_status_changed.disconnect(dispatch_uid="test-changed")
    assert [name for name, _ in heard] == ["created", "changed"]
    assert heard[0][1]["concern_id"] == concern.pk
    assert heard[1][1]["status"] == "acknowledged" and heard[1][1]["previous"] == "new"


def test_a_listener_that_fails_does_not_undo_the_concern(
    django_capture_on_commit_callbacks: Any,
) -> None:
    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("the gateway is down")

    signals.concern_created.connect(broken, dispatch_uid="test-broken")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            concern = concern_create(
                actor=None,
                data={"unit": MunicipalityFactory.create(), "text": "Иттер", "channel": "web"},
            )
    finally:
        signals.concern_created.disconnect(dispatch_uid="test-broken")
    assert Concern.objects.filter(pk=concern.pk).exists()
