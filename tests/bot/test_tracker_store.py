"""bot/tracker_store.py writes and reads what Rasa's SQLTrackerStore does, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore as RasaSQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

from bot.tracker_store import SQLTrackerStore
from tests.servers import postgres_server

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, ask_form]
slots:
  language:
    type: text
    influence_conversation: false
    mappings: [{type: custom}]
"""
)
COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Iterator[dict]:
    """The store's settings (as in bot/endpoints*.yml) for an empty database of each kind."""
    if request.param == "sqlite":
        yield {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
        return
    with postgres_server() as url:
        parsed = sa.engine.make_url(url)
        yield {"dialect": "postgresql", "db": parsed.database, "username": parsed.username, "query": dict(parsed.query)}


def turn(tracker, text: str, intent: str, language: str) -> None:
    """A customer message and the assistant's answer, as Rasa adds them."""
    tracker.update(UserUttered(text, {"name": intent, "confidence": 0.9}))
    tracker.update(SlotSet("language", language))
    tracker.update(ActionExecuted("action_answer"))
    tracker.update(BotUttered(f"answer to {text}", {"elements": None}, {"template_name": "utter_answer"}))
    tracker.update(ActionExecuted("action_listen"))


async def conversation(store, sender: str) -> None:
    """Two turns, a new session, one more turn: each saved as Rasa's processor saves it."""
    tracker = await store.get_or_create_tracker(sender)
    for text, intent in (("hei", "greet"), ("lomake", "ask_form")):
        tracker = await store.get_or_create_tracker(sender)
        turn(tracker, text, intent, "fi")
        await store.save(tracker)
    tracker = await store.get_or_create_tracker(sender)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    turn(tracker, "hej", "greet", "sv")
    await store.save(tracker)


def rows(store) -> list[tuple]:
    """Every stored event row without its id, in order."""
    table = store.SQLEvent.__table__
    with store.engine.connect() as connection:
        return [
            tuple(row) for row in connection.execute(sa.select(*(table.c[c] for c in COLUMNS)).order_by(table.c.id))
        ]


def test_it_stores_the_rows_rasas_store_stores(database, tmp_path):
    ours = SQLTrackerStore(domain=DOMAIN, **database)
    asyncio.run(conversation(ours, "same"))
    rasas = RasaSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "rasa.db"))
    asyncio.run(conversation(rasas, "same"))
    ours_rows, rasas_rows = rows(ours), rows(rasas)
    # Timestamps differ between the two runs; everything else, the rows' number and order included, is the same.
    strip = [(r[0], r[1], r[3], r[4]) for r in ours_rows], [(r[0], r[1], r[3], r[4]) for r in rasas_rows]
    assert strip[0] == strip[1] and len(ours_rows) == 19  # 1 + 5 + 5 + 3 + 5


def test_it_reads_the_latest_session_and_all_of_them_as_rasas_store_does(database):
    ours = SQLTrackerStore(domain=DOMAIN, **database)
    asyncio.run(conversation(ours, "reader"))
    rasas = RasaSQLTrackerStore(domain=DOMAIN, **database)
    for fetch in ("retrieve", "retrieve_full_tracker"):
        mine, theirs = (asyncio.run(getattr(store, fetch)("reader")) for store in (ours, rasas))
        assert mine is not None and list(mine.events) == list(theirs.events)
    latest = asyncio.run(ours.retrieve("reader"))
    assert latest.get_slot("language") == "sv" and latest.latest_message.text == "hej"
    assert len(asyncio.run(ours.retrieve_full_tracker("reader")).events) > len(latest.events)


def test_a_conversation_rasas_store_began_goes_on_without_a_repeated_event(database):
    rasas = RasaSQLTrackerStore(domain=DOMAIN, **database)
    tracker = asyncio.run(rasas.get_or_create_tracker("upgrade"))
    turn(tracker, "hei", "greet", "fi")
    asyncio.run(rasas.save(tracker))
    ours = SQLTrackerStore(domain=DOMAIN, **database)
    tracker = asyncio.run(ours.retrieve("upgrade"))
    turn(tracker, "kiitos", "thanks", "fi")
    asyncio.run(ours.save(tracker))
    asyncio.run(ours.save(tracker))  # nothing new: nothing written
    texts = [event.text for event in asyncio.run(rasas.retrieve("upgrade")).events if isinstance(event, UserUttered)]
    assert texts == ["hei", "kiitos"] and len(rows(ours)) == 11  # 1 + 5 + 5


def test_an_unknown_conversation_is_none(database):
    assert asyncio.run(SQLTrackerStore(domain=DOMAIN, **database).retrieve("nobody")) is None
