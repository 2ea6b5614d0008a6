"""Project-wide fixtures.

Audit events are append-only by a database trigger. Django's flush between transactional
tests deletes every row, so the trigger is lifted just for that flush and put back before
the next test touches the database.
"""

import pytest
from django.db import connection

from fortrolig.audit import triggers

_triggers_lifted = False


def _ensure_triggers() -> None:
    if _triggers_lifted:
        triggers.install(connection)


@pytest.fixture
def db(db):
    # Inside the test's rolled-back transaction: re-installing here is undone at the end,
    # which is what we want while the flag says the triggers are lifted.
    _ensure_triggers()
    return db


@pytest.fixture
def transactional_db(transactional_db):
    global _triggers_lifted
    triggers.install(connection)
    _triggers_lifted = False
    yield transactional_db
    triggers.remove(connection)
    _triggers_lifted = True
