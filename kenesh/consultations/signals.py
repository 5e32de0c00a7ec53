"""What the shared concern services announce, once the change is committed, to whoever answers
the reporter (kenesh.consultations.intake.receivers connects to them when the app is ready).

The services do not import the intake: the intake builds on them, and a signal keeps the arrow
pointing one way. Receivers are called after the commit, robustly: a failing reply is logged and
does not undo the change.
"""

from django.dispatch import Signal

#: A concern was recorded. Sent with ``concern_id``.
concern_created = Signal()

#: A concern moved to another status. Sent with ``concern_id``, ``status`` and ``previous``.
concern_status_changed = Signal()
