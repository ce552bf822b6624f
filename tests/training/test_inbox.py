"""The inbox: reasons, grouping, retention, redaction, decisions, the split; hand-built and real tracker stores."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid

import httpx
import pytest
from sqlalchemy.orm import Session

from store.db import open_database
from store.feedback import FeedbackStore
from store.inbox import InboxDecision
from tests.training.conftest import START
from training.data import DuplicateExample
from training.evalset import EvalSet
from training.inbox import Inbox, Predictor, default_destination, message_key

KNOWN = ["greet", "service_housing_allowance", "out_of_scope", "request_human"]


def at(seconds: float) -> dt.datetime:
    return START + dt.timedelta(seconds=seconds)


NOW = at(3600)


@pytest.fixture
def engine(tmp_path):
    """A fresh app database."""
    return open_database(f"sqlite:///{tmp_path}/app.db")


@pytest.fixture
def inbox(engine, tracker):
    """An inbox over the hand-built tracker store, 90 days' retention."""
    return Inbox(engine, tracker.url, 90)


class FakeExamples:
    """training.data.TrainingData's add(), recording what it was given."""

    def __init__(self, duplicates=()):
        self.added: list[tuple[str, str, str, str]] = []
        self.duplicates = set(duplicates)

    def add(self, intent, lang, text, editor):
        if text in self.duplicates:
            raise DuplicateExample("greet", text)
        self.added.append((intent, lang, text, editor))
        return len(self.added)


def fake_rasa(answers: dict[str, tuple[str, float]], calls: list | None = None, model: str = "") -> Predictor:
    """A Predictor whose Rasa answers from a table (and counts the parse calls); a new model id unless named."""
    model = model or uuid.uuid4().hex

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/status":
            return httpx.Response(200, json={"model_id": model})
        text = json.loads(request.content)["text"]
        if calls is not None:
            calls.append(text)
        name, confidence = answers.get(text, ("nlu_fallback", 0.4))
        ranking = [
            {"name": name, "confidence": confidence},
            {"name": "greet", "confidence": 0.05},
            {"name": "thank", "confidence": 0.03},
            {"name": "goodbye", "confidence": 0.01},
        ]
        return httpx.Response(200, json={"intent": {"name": name, "confidence": confidence}, "intent_ranking": ranking})

    return Predictor("http://rasa", "t", client=httpx.Client(transport=httpx.MockTransport(handle)))


def fill(tracker) -> None:
    """Three conversations: a fallback rephrased, the same words then a person, a guess and a sure one."""
    tracker.session("conv-a", at(0))
    tracker.bot("conv-a", "Hei! Kerro asiasi.", at(1))
    tracker.user("conv-a", "Mistä saan tukea vuokraan", "nlu_fallback", 0.4, at(10))
    tracker.bot("conv-a", "En ymmärtänyt.", at(11))
    tracker.user("conv-a", "asumistuki hakemus", "service_housing_allowance", 0.95, at(40))
    tracker.session("conv-b", at(100), channel="web")
    tracker.user("conv-b", "  MISTÄ saan tukea   vuokraan ", "nlu_fallback", 0.4, at(110), channel="web")
    tracker.bot("conv-b", "En valitettavasti ymmärtänyt.", at(111))
    tracker.user("conv-b", "/request_human", "request_human", 1.0, at(120), channel="web")
    tracker.session("conv-c", at(200))
    tracker.user("conv-c", "moikka", "greet", 0.5, at(210), second=("goodbye", 0.45))
    tracker.user("conv-c", "kiitos paljon", "thank", 0.97, at(400))


def test_reasons_grouping_and_context(inbox, tracker):
    fill(tracker)
    entries = inbox.entries(now=NOW)
    assert [(e.text, e.count, e.reasons) for e in entries] == [
        ("MISTÄ saan tukea vuokraan", 2, ("fallback", "before_handoff")),
        ("moikka", 1, ("low_confidence", "small_margin")),
        ("asumistuki hakemus", 1, ("rephrased",)),
    ]
    first = entries[0]
    assert first.channels == ("kiosk", "web") and first.language == "fi"
    assert (first.first_at, first.last_at) == (at(10), at(110))
    assert first.context == "Hei! Kerro asiasi."
    assert entries[2].context == "En ymmärtänyt."
    assert first.key == message_key("mistä saan tukea vuokraan", "fi")
    shown = json.dumps([vars(e) for e in entries], default=str)
    assert "conv-" not in shown


def test_filters(inbox, tracker):
    fill(tracker)
    assert [e.text for e in inbox.entries(channel="web", now=NOW)] == ["MISTÄ saan tukea vuokraan"]
    assert [e.text for e in inbox.entries(reason="rephrased", now=NOW)] == ["asumistuki hakemus"]
    assert inbox.entries(language="sv", now=NOW) == []


def test_language_from_buttons_then_slot(inbox, tracker):
    tracker.session("s", at(0))
    tracker.user("s", "hur gör jag", "nlu_fallback", 0.4, at(1), slot_language="sv")
    tracker.user("s", "help me please", "nlu_fallback", 0.4, at(500), language="en", slot_language="sv")
    tracker.user("s", "ok då", "nlu_fallback", 0.4, at(900), slot_language=None)
    assert {e.text: e.language for e in inbox.entries(now=NOW)} == {
        "hur gör jag": "sv",
        "help me please": "en",
        "ok då": "sv",
    }


def test_a_slipped_identity_code_and_phone_number_are_never_shown(inbox, tracker, engine):
    tracker.session("p", at(0))
    tracker.bot("p", "Soita 040 123 4567", at(1))
    tracker.user("p", "hetuni on 131052-308T ja puh 0401234567", "nlu_fallback", 0.4, at(2))
    (entry,) = inbox.entries(now=NOW)
    assert entry.text == "hetuni on <ID_CODE> ja puh <PHONE_NUMBER>"
    assert entry.context == "Soita <PHONE_NUMBER>"
    inbox.decide([entry.key], "assign", "eeva", intent="greet", destination="eval",
                 evalset=EvalSet(engine), known_intents=KNOWN, now=NOW)  # fmt: skip
    assert EvalSet(engine).items()[0].text == entry.text


def test_retention_hides_old_messages_and_purge_deletes_old_decisions(inbox, tracker, engine):
    tracker.session("old", at(0))
    tracker.user("old", "vanha viesti", "nlu_fallback", 0.4, at(0))
    later = START + dt.timedelta(days=91)
    assert inbox.entries(now=later) == []
    (entry,) = inbox.entries(now=NOW)
    inbox.decide([entry.key], "discard", "eeva", now=NOW)
    assert inbox.purge(now=NOW) == 0
    assert inbox.purge(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=91)) == 1


def test_low_rated_conversations(inbox, tracker, engine):
    tracker.session("rated", at(0))
    tracker.user("rated", "kiitos paljon", "thank", 0.97, at(1))
    assert inbox.entries(now=NOW) == []
    feedback = FeedbackStore(engine)
    feedback.record(point_id="p", channel="web", language="fi", authority="kela", rating=3, conversation_id="rated")
    assert inbox.entries(now=NOW) == []  # 3 of 5 is not a complaint
    # One feedback per conversation: another customer's low rating is what the inbox shows.
    tracker.session("rated-low", at(2))
    tracker.user("rated-low", "kiitos vaan", "thank", 0.97, at(3))
    feedback.record(point_id="p", channel="web", language="fi", authority="kela", rating=2, conversation_id="rated-low")
    assert [(e.text, e.reasons) for e in inbox.entries(now=NOW)] == [("kiitos vaan", ("low_rating",))]
    assert inbox.purge(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=91)) == 0  # the note goes with retention
    assert inbox.entries(now=NOW) == []


def test_no_tracker_store_is_an_empty_inbox(engine, tmp_path):
    assert Inbox(engine, f"sqlite:///{tmp_path}/none.db", 90).entries() == []
    assert not (tmp_path / "none.db").exists()


def test_decisions_leave_the_inbox_and_go_where_chosen(inbox, tracker, engine):
    fill(tracker)
    examples, evalset = FakeExamples(), EvalSet(engine)
    rent, hello, rephrase = inbox.entries(now=NOW)
    outcome = inbox.decide([rent.key], "assign", "eeva", intent="service_housing_allowance", destination="train",
                           examples=examples, evalset=evalset, known_intents=KNOWN, now=NOW)  # fmt: skip
    assert outcome.decided == [rent.key] and outcome.to_training == 1
    assert examples.added == [("service_housing_allowance", "fi", "MISTÄ saan tukea vuokraan", "eeva")]
    outcome = inbox.decide([hello.key, rephrase.key, "nope"], "out_of_scope", "eeva", destination="eval",
                           examples=examples, evalset=evalset, known_intents=KNOWN, now=NOW)  # fmt: skip
    assert outcome.to_evaluation == 2 and outcome.skipped == [("nope", "unknown")]
    assert {(i.text, i.intent) for i in evalset.items()} == {
        ("moikka", "out_of_scope"),
        ("asumistuki hakemus", "out_of_scope"),
    }
    assert inbox.entries(now=NOW) == []


def test_out_of_scope_without_the_intent_only_records(inbox, tracker, engine):
    fill(tracker)
    evalset = EvalSet(engine)
    keys = [e.key for e in inbox.entries(now=NOW)]
    outcome = inbox.decide(keys, "out_of_scope", "eeva", evalset=evalset, known_intents=["greet"], now=NOW)
    assert len(outcome.decided) == 3 and evalset.items() == []


def test_confirm_takes_the_active_models_prediction(inbox, tracker, engine):
    fill(tracker)
    examples = FakeExamples(duplicates={"asumistuki hakemus"})
    rasa = fake_rasa({"moikka": ("greet", 0.8), "asumistuki hakemus": ("service_housing_allowance", 0.95)})
    keys = [e.key for e in inbox.entries(now=NOW)]
    outcome = inbox.decide(keys, "confirm", "eeva", destination="train", predictor=rasa,
                           examples=examples, known_intents=KNOWN, now=NOW)  # fmt: skip
    assert examples.added == [("greet", "fi", "moikka", "eeva")]
    assert sorted(reason for _, reason in outcome.skipped) == ["duplicate", "no_prediction"]
    assert [e.text for e in inbox.entries(now=NOW)] == ["MISTÄ saan tukea vuokraan", "asumistuki hakemus"]


def test_bad_decisions_are_refused(inbox):
    with pytest.raises(ValueError):
        inbox.decide(["k"], "delete", "eeva")
    with pytest.raises(ValueError):
        inbox.decide(["k"], "assign", "eeva", intent="made_up", known_intents=KNOWN)
    with pytest.raises(ValueError):
        inbox.decide(["k"], "discard", "eeva", destination="elsewhere")


def test_the_default_split_is_about_one_in_five_and_repeatable():
    texts = [f"viesti numero {n}" for n in range(2000)]
    first = [default_destination(t) for t in texts]
    assert first == [default_destination(t.upper() + "  ") for t in texts]
    assert 0.17 < first.count("eval") / len(texts) < 0.23


def test_predictions_flags_cache_and_rasa_down(inbox, tracker):
    fill(tracker)
    calls: list[str] = []
    rasa = fake_rasa({"moikka": ("greet", 0.95)}, calls, model="first")
    entries = inbox.entries(now=NOW)
    assert Inbox.annotate(entries, rasa, at(150)) is True
    by_text = {e.text: e for e in entries}
    hello = by_text["moikka"]
    assert hello.prediction is not None and hello.prediction.intent == "greet"
    assert [name for name, _ in hello.prediction.alternatives] == ["thank", "goodbye"]
    assert hello.adds_little and not hello.outdated
    rent = by_text["MISTÄ saan tukea vuokraan"]
    assert rent.outdated and not rent.adds_little and rent.prediction and not rent.prediction.understood
    Inbox.annotate(inbox.entries(now=NOW), fake_rasa({}, calls, model="first"), None)
    assert len(calls) == 3
    Inbox.annotate(inbox.entries(now=NOW), fake_rasa({}, calls, model="second"), None)
    assert len(calls) == 6

    def down(request):
        raise httpx.ConnectError("refused")

    offline = Predictor("http://rasa", None, client=httpx.Client(transport=httpx.MockTransport(down)))
    entries = inbox.entries(now=NOW)
    assert Inbox.annotate(entries, offline, None) is False
    assert all(e.prediction is None for e in entries)


# --- a real Rasa, real conversations, a real tracker store ---


@pytest.fixture(scope="session")
def real_stack(tmp_path_factory):
    """The trained model in a real Rasa and action server, once for the session (about 40 s to start)."""
    from tests.e2e.conftest import Stack, running

    with running(Stack(tmp_path_factory.mktemp("inbox-stack"))) as stack:
        yield stack


def test_the_inbox_of_real_conversations(real_stack, tmp_path):
    stack = real_stack
    fallback = f"zqx {uuid.uuid4().hex[:6]} vlorp"
    one, two, three = (f"inbox-{uuid.uuid4().hex[:10]}" for _ in range(3))
    stack.say(one, "hei", language="fi")
    stack.say(one, fallback)
    stack.say(one, "mikä on asumistuki")  # the rephrase, straight after the miss
    stack.say(two, fallback.upper(), language="fi")
    stack.say(two, "haluan puhua ihmisen kanssa")
    stack.say(three, "my id is 010101-123N and I dont get it", language="en")
    stack.say(three, "I want to talk to a person")
    inbox = Inbox(open_database(f"sqlite:///{tmp_path}/app.db"), f"sqlite:///{stack.tracker_db}", 90)
    entries = {e.text.casefold(): e for e in inbox.entries()}
    missed = entries[fallback.casefold()]
    assert missed.count == 2 and missed.channels == ("kiosk",) and missed.language == "fi"
    assert {"fallback", "before_handoff"} <= set(missed.reasons)
    assert missed.context and missed.context.startswith("Hei!")
    assert "rephrased" in entries["mikä on asumistuki"].reasons
    coded = next(e for text, e in entries.items() if "my id is" in text)
    assert "010101" not in coded.text and "<ID_CODE>" in coded.text and "before_handoff" in coded.reasons
    assert coded.language == "en"
    with sqlite3.connect(stack.tracker_db) as connection:
        senders = {row[0] for row in connection.execute("SELECT DISTINCT sender_id FROM events")}
    shown = json.dumps([vars(e) for e in entries.values()], default=str)
    assert not any(sender in shown for sender in senders)
    rasa = Predictor(stack.rasa_url, stack.token)
    assert Inbox.annotate(list(entries.values()), rasa, None) is True
    rephrase = entries["mikä on asumistuki"].prediction
    assert rephrase is not None and rephrase.intent == "service_housing_allowance" and len(rephrase.alternatives) == 2


def test_messages_stored_before_todays_redaction_are_shown_redacted(inbox, tracker):
    """The tracker store may hold what an older channel let through; the inbox redacts as it reads."""
    tracker.session("old", at(0))
    tracker.bot("old", "Soita 09 310 1234", at(1))
    tracker.user("old", "puh 358401234567 tai 40 123 4567, hetu131052\u2013308", "nlu_fallback", 0.4, at(2))
    tracker.user("old", "numero 040/123 4567 ja 040.123.4567", "nlu_fallback", 0.4, at(3))
    texts = {e.text: e.context for e in inbox.entries(now=NOW)}
    assert texts == {
        "puh <PHONE_NUMBER> tai <PHONE_NUMBER>, hetu<ID_CODE>": "Soita <PHONE_NUMBER>",
        "numero <PHONE_NUMBER> ja <PHONE_NUMBER>": None,
    }


def test_a_decision_stored_before_todays_redaction_still_hides_its_message(inbox, tracker, engine):
    tracker.session("old", at(0))
    tracker.user("old", "soita 358401234567", "nlu_fallback", 0.4, at(2))
    tracker.user("old", "ihan muu asia", "nlu_fallback", 0.4, at(3))
    with Session(engine) as session:  # as an older release decided it: its redaction kept the number
        session.add(
            InboxDecision(message_key=message_key("soita 358401234567", "fi"), text="soita 358401234567",
                          language="fi", action="discard", decided_by="eeva", decided_at=NOW.replace(tzinfo=None))
        )  # fmt: skip
        session.commit()
    assert [e.text for e in inbox.entries(now=NOW)] == ["ihan muu asia"]
