"""The inbox: customers' messages the assistant did not understand, from Rasa's tracker store.

Rasa's SQLTrackerStore keeps one row per event in the table `events` (id, sender_id, type_name,
timestamp, intent_name, action_name, data as JSON text). The inbox only reads it. The texts there are
already redacted by the channel (bot/channels.py); every text is redacted again here, before it is shown
or stored, so an identity code or a phone number that slipped through is never shown. Sender ids never
leave this module: they only tie a message to the next one and to a feedback rating.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx
from sqlalchemy import create_engine, delete, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from privacy.redact import redact
from store.inbox import InboxDecision, LowRatedConversation
from store.rows import UTC, now_db, rowcount, to_db
from training.data import DuplicateExample
from training.evalset import LANGUAGES, MAX_EDITOR_CHARS, EvalSet, clean_text, normalise

# The FallbackClassifier (config.yml) answers "I did not understand" below 0.4. A top intent between
# that and 0.6 was a guess that happened to pass: worth a look.
LOW_CONFIDENCE = 0.6
# config.yml's ambiguity_threshold (0.05) sends messages whose two best intents are that close to the
# fallback; twice that finds the ones that nearly went there, where the model hesitated between two.
SMALL_MARGIN = 0.1
# A customer who writes again within two minutes of an answer that missed is saying the same thing
# in other words; later it is more likely a new question.
FOLLOW_UP_SECONDS = 120
# The active model is this sure of a message already: labelling it teaches the model little.
CONFIDENT = 0.9
FALLBACK_INTENT = "nlu_fallback"
# The assistant answers both the same way ("I cannot help with this"), so for the customer both missed.
NOT_UNDERSTOOD = (FALLBACK_INTENT, "out_of_scope")
HANDOFF_INTENT = "request_human"
OUT_OF_SCOPE_INTENT = "out_of_scope"
# Why a message is in the inbox, in the order the page lists them.
REASONS = ("fallback", "low_confidence", "small_margin", "before_handoff", "rephrased", "low_rating")
ACTIONS = ("assign", "confirm", "out_of_scope", "discard")
DESTINATIONS = ("auto", "train", "eval")
# Why a selected entry stayed in the inbox.
SKIP_REASONS = ("unknown", "no_prediction", "duplicate", "refused")
# The default split: one message in five goes to the evaluation set (see default_destination).
EVAL_SHARE = 5
# Without a language from the kiosk's buttons or the assistant, the point's first language.
DEFAULT_LANGUAGE = "fi"
MAX_CONTEXT_CHARS = 600
PREDICTION_CACHE_SIZE = 5000


@dataclass(frozen=True)
class Prediction:
    """What the active model makes of a text: its intent and confidence, and the next best two."""

    intent: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...]

    @property
    def understood(self) -> bool:
        """False when the active model falls back."""
        return self.intent != FALLBACK_INTENT


@dataclass
class InboxEntry:
    """One grouped message (same normalised text and language) with everything the editor is shown."""

    key: str
    text: str
    language: str
    channels: tuple[str, ...]
    count: int
    first_at: dt.datetime  # aware UTC
    last_at: dt.datetime  # aware UTC, the newest occurrence
    reasons: tuple[str, ...]
    context: str | None  # the assistant's reply just before the newest occurrence that had one
    prediction: Prediction | None = None
    outdated: bool = False  # the active model was trained after the newest occurrence arrived
    adds_little: bool = False  # the active model already predicts it confidently

    @property
    def default_destination(self) -> str:
        """Where a labelled message goes unless the editor chooses: the same answer on every run."""
        return default_destination(self.text)


@dataclass
class DecisionOutcome:
    """What a decision did: the keys decided, where labels went, and the keys left in the inbox with why."""

    decided: list[str] = field(default_factory=list)
    to_training: int = 0
    to_evaluation: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (key, SKIP_REASONS)


class ExampleSink(Protocol):
    """Where a training example goes: training.data.TrainingData."""

    def add(self, intent: str, lang: str, text: str, editor: str) -> int: ...


def message_key(text: str, language: str) -> str:
    """The group a message belongs to: its language and normalised text, hashed to a fixed length."""
    return hashlib.sha256(f"{language}\n{normalise(text)}".encode()).hexdigest()


def default_destination(text: str) -> str:
    """'eval' for about one message in five, 'train' for the rest, decided by the normalised text's hash
    so that a rerun, another editor or a bulk action split the same messages the same way."""
    digest = hashlib.sha256(normalise(text).encode()).digest()
    return "eval" if int.from_bytes(digest[:4], "big") % EVAL_SHARE == 0 else "train"


# --- reading the tracker store ---

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def tracker_engine(url: str) -> Engine | None:
    """A read-only engine on Rasa's tracker store (inbox, feedback check); None while its SQLite file is missing."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        database = parsed.database or ""
        if not database or database == ":memory:" or not Path(database).exists():
            return None
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            if parsed.drivername.startswith("sqlite"):
                path = Path(parsed.database or "").resolve()
                # mode=ro: the inbox can never write into Rasa's store, nor create an empty one.
                engine = create_engine(
                    "sqlite://", creator=lambda: sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=10)
                )
            else:
                engine = create_engine(url)
            _engines[url] = engine
        return engine


@dataclass
class _Message:
    sender: str
    at: dt.datetime
    text: str
    intent: str | None
    confidence: float
    margin: float
    channel: str
    chosen_language: str | None  # from the kiosk's language buttons (metadata)
    language_before: str | None  # the conversation's language when the message came
    language_after: str | None = None  # what the assistant set right after reading it
    context: str | None = None
    reasons: set[str] = field(default_factory=set)

    @property
    def language(self) -> str:
        return self.chosen_language or self.language_after or self.language_before or DEFAULT_LANGUAGE

    @property
    def is_payload(self) -> bool:
        # A button's payload (/request_human) is the assistant's own wording, not the customer's.
        return self.text.startswith("/")

    @property
    def missed(self) -> bool:
        return bool(self.reasons & {"fallback", "low_confidence", "small_margin"})


def _ranking(parse: dict) -> tuple[str | None, float, float]:
    intent = parse.get("intent") or {}
    name = intent.get("name")
    confidence = float(intent.get("confidence") or 0.0)
    others = [float(r.get("confidence") or 0.0) for r in parse.get("intent_ranking") or [] if r.get("name") != name]
    return name, confidence, confidence - (max(others) if others else 0.0)


def _messages(rows: Iterable[Any], low_rated: set[str]) -> list[_Message]:
    """The customers' messages of the rows (ordered by sender, then id), each with its reasons."""
    found: list[_Message] = []
    sender = None
    language: str | None = None
    channel = ""
    turn: list[str] = []  # the assistant's lines since the customer last wrote
    previous: _Message | None = None
    for row in rows:
        if row.sender_id != sender:
            sender, language, channel, turn, previous = row.sender_id, None, "", [], None
        try:
            event = json.loads(row.data or "{}")
        except ValueError:
            continue
        kind = row.type_name
        if kind == "session_started":
            # A new session is a new visit: nothing before it is "straight away".
            turn, previous = [], None
        elif kind == "slot" and event.get("name") == "language" and event.get("value") in LANGUAGES:
            language = event["value"]
            if previous is not None and previous.language_after is None:
                previous.language_after = language
        elif kind == "slot" and event.get("name") == "session_started_metadata":
            channel = str((event.get("value") or {}).get("channel") or channel)
        elif kind == "bot" and event.get("text"):
            turn.append(event["text"])
        elif kind == "user" and event.get("text"):
            metadata = event.get("metadata") or {}
            name, confidence, margin = _ranking(event.get("parse_data") or {})
            chosen = metadata.get("language") if metadata.get("language") in LANGUAGES else None
            message = _Message(
                sender=row.sender_id,
                at=dt.datetime.fromtimestamp(float(row.timestamp or event.get("timestamp") or 0), UTC),
                text=clean_text(event["text"]),
                intent=name,
                confidence=confidence,
                margin=margin,
                channel=str(metadata.get("channel") or channel)[:16],
                chosen_language=chosen,
                language_before=language,
                context=clean_text("\n".join(turn))[:MAX_CONTEXT_CHARS] if turn else None,
            )
            _reasons(message, previous, low_rated)
            found.append(message)
            turn, previous = [], message
    return [m for m in found if m.reasons and not m.is_payload and m.text]


def _reasons(message: _Message, previous: _Message | None, low_rated: set[str]) -> None:
    if message.intent in NOT_UNDERSTOOD:
        message.reasons.add("fallback")
    elif message.intent is not None:
        if message.confidence < LOW_CONFIDENCE:
            message.reasons.add("low_confidence")
        if message.margin < SMALL_MARGIN:
            message.reasons.add("small_margin")
    if message.sender in low_rated:
        message.reasons.add("low_rating")
    if previous is None:
        return
    if message.intent == HANDOFF_INTENT:
        previous.reasons.add("before_handoff")
    elif previous.missed and (message.at - previous.at).total_seconds() <= FOLLOW_UP_SECONDS:
        message.reasons.add("rephrased")


def _group(messages: Sequence[_Message]) -> list[InboxEntry]:
    groups: dict[str, list[_Message]] = {}
    for message in messages:
        groups.setdefault(message_key(message.text, message.language), []).append(message)
    entries = []
    for key, members in groups.items():
        members.sort(key=lambda m: m.at)
        newest = members[-1]
        reasons = set().union(*(m.reasons for m in members))
        entries.append(
            InboxEntry(
                key=key,
                text=newest.text,
                language=newest.language,
                channels=tuple(sorted({m.channel for m in members if m.channel})),
                count=len(members),
                first_at=members[0].at,
                last_at=newest.at,
                reasons=tuple(r for r in REASONS if r in reasons),
                # The newest occurrence that followed a reply of the assistant (a first message has none).
                context=next((m.context for m in reversed(members) if m.context), None),
            )
        )
    entries.sort(key=lambda e: (-e.count, -e.last_at.timestamp(), e.text))
    return entries


# --- what the active model predicts now ---

_predictions: OrderedDict[tuple[str, str], Prediction] = OrderedDict()
_predictions_lock = threading.Lock()


class Predictor:
    """Asks the running Rasa (`POST /model/parse`) what its active model makes of a text.

    Answers are cached per (model id, text) in memory: the same model gives the same answer, and a
    new model has a new id, so nothing stale is shown.
    """

    def __init__(self, rasa_url: str, token: str | None, *, timeout: float = 5.0, client: httpx.Client | None = None):
        self.rasa_url = rasa_url.rstrip("/")
        self.params = {"token": token} if token else {}
        self.client = client or httpx.Client(timeout=timeout)

    def model_id(self) -> str | None:
        """The id of the model Rasa runs (GET /status), or None when Rasa cannot be reached."""
        try:
            response = self.client.get(f"{self.rasa_url}/status", params=self.params)
            response.raise_for_status()
            return str(response.json().get("model_id") or response.json().get("fingerprint") or "") or None
        except (httpx.HTTPError, ValueError):
            return None

    def predict(self, texts: Sequence[str]) -> dict[str, Prediction] | None:
        """The prediction of every text, or None when Rasa is down (no half answers)."""
        model = self.model_id()
        if model is None:
            return None
        answers: dict[str, Prediction] = {}
        for item in dict.fromkeys(texts):
            with _predictions_lock:
                cached = _predictions.get((model, item))
            if cached is None:
                try:
                    response = self.client.post(f"{self.rasa_url}/model/parse", params=self.params, json={"text": item})
                    response.raise_for_status()
                    cached = _prediction(response.json())
                except (httpx.HTTPError, ValueError, TypeError):
                    return None
                with _predictions_lock:
                    _predictions[(model, item)] = cached
                    while len(_predictions) > PREDICTION_CACHE_SIZE:
                        _predictions.popitem(last=False)
            answers[item] = cached
        return answers


def _prediction(parse: dict) -> Prediction:
    intent = parse.get("intent") or {}
    name = str(intent.get("name") or FALLBACK_INTENT)
    ranking = [
        (str(r["name"]), float(r.get("confidence") or 0.0))
        for r in parse.get("intent_ranking") or []
        if r.get("name") and r.get("name") not in (name, FALLBACK_INTENT)
    ]
    return Prediction(name, float(intent.get("confidence") or 0.0), tuple(ranking[:2]))


# --- the inbox ---


class Inbox:
    """Messages worth an editor's look, read from the tracker store; decisions kept in the app database."""

    def __init__(self, engine: Engine, tracker_url: str, retention_days: int):
        self.engine = engine
        self.tracker_url = tracker_url
        self.retention_days = retention_days

    def cutoff(self, now: dt.datetime | None = None) -> dt.datetime:
        """The oldest moment the inbox still shows (aware UTC)."""
        return (now or dt.datetime.now(UTC)) - dt.timedelta(days=self.retention_days)

    def _low_rated(self, since: dt.datetime) -> set[str]:
        """Conversations whose customer rated the help low (store.feedback records them)."""
        with Session(self.engine) as session:
            query = select(LowRatedConversation.conversation_id).where(LowRatedConversation.rated_at >= to_db(since))
            return set(session.execute(query).scalars())

    def _decided(self) -> set[str]:
        with Session(self.engine) as session:
            rows = session.execute(select(InboxDecision.message_key, InboxDecision.text, InboxDecision.language)).all()
        # A decision stored before the redaction caught today's formats is keyed by the text as it was
        # redacted then; its text redacted today gives the key the same messages group under now.
        return {row.message_key for row in rows} | {message_key(clean_text(row.text), row.language) for row in rows}

    def entries(
        self,
        *,
        language: str | None = None,
        channel: str | None = None,
        reason: str | None = None,
        now: dt.datetime | None = None,
    ) -> list[InboxEntry]:
        """The undecided grouped messages of the retention period, most frequent first, then newest."""
        since = self.cutoff(now)
        engine = tracker_engine(self.tracker_url)
        if engine is None:
            return []
        query = text(
            "SELECT sender_id, type_name, timestamp, data FROM events "
            "WHERE type_name IN ('user', 'bot', 'slot', 'session_started') AND timestamp >= :since "
            "ORDER BY sender_id, id"
        )
        with engine.connect() as connection:
            rows = connection.execute(query, {"since": since.timestamp()}).all()
        decided = self._decided()
        return [
            entry
            for entry in _group(_messages(rows, self._low_rated(since)))
            if entry.key not in decided
            and (language is None or entry.language == language)
            and (channel is None or channel in entry.channels)
            and (reason is None or reason in entry.reasons)
        ]

    @staticmethod
    def annotate(
        entries: Sequence[InboxEntry], predictor: Predictor | None, active_trained_at: dt.datetime | None
    ) -> bool:
        """Give the entries the active model's prediction and the flags; False when Rasa did not answer."""
        for entry in entries:
            entry.outdated = active_trained_at is not None and entry.last_at < active_trained_at
        if not entries:
            return True
        predictions = predictor.predict([e.text for e in entries]) if predictor is not None else None
        if predictions is None:
            return False
        for entry in entries:
            entry.prediction = predictions[entry.text]
            entry.adds_little = entry.prediction.understood and entry.prediction.confidence >= CONFIDENT
        return True

    def decide(
        self,
        keys: Sequence[str],
        action: str,
        editor: str,
        *,
        intent: str | None = None,
        destination: str = "auto",
        predictor: Predictor | None = None,
        examples: ExampleSink | None = None,
        evalset: EvalSet | None = None,
        known_intents: Sequence[str] = (),
        now: dt.datetime | None = None,
    ) -> DecisionOutcome:
        """Decide about the entries with these keys; each decided one leaves the inbox.

        assign: label with `intent`; confirm: label with the active model's prediction; out_of_scope:
        label `out_of_scope` when the domain has it, else only record; discard: only record. A label
        goes to the training data or the evaluation set (`destination`, or the default split).
        """
        if action not in ACTIONS:
            raise ValueError(f"unknown action {action!r}")
        if destination not in DESTINATIONS:
            raise ValueError(f"unknown destination {destination!r}")
        if action == "assign" and (not intent or intent not in known_intents):
            raise ValueError(f"unknown intent {intent!r}")
        outcome = DecisionOutcome()
        wanted = list(dict.fromkeys(keys))
        by_key = {e.key: e for e in self.entries(now=now) if e.key in wanted}
        outcome.skipped.extend((key, "unknown") for key in wanted if key not in by_key)
        entries = [by_key[key] for key in wanted if key in by_key]
        if action == "confirm":
            # The prediction is asked again now: the editor confirms what the active model says.
            self.annotate(entries, predictor, None)
        for entry in entries:
            label = self._label(entry, action, intent, known_intents)
            if action == "confirm" and label is None:
                outcome.skipped.append((entry.key, "no_prediction"))
                continue
            where = None
            if label is not None:
                where = entry.default_destination if destination == "auto" else destination
                if where == "train":
                    if examples is None:
                        raise ValueError("no training data to add the example to")
                    try:
                        examples.add(label, entry.language, entry.text, editor)
                    except DuplicateExample:
                        # Already an example: the entry stays, so the editor can send it to evaluation.
                        outcome.skipped.append((entry.key, "duplicate"))
                        continue
                    except ValueError:
                        # An intent that takes no typed examples (a button's): the entry stays undecided.
                        outcome.skipped.append((entry.key, "refused"))
                        continue
                    outcome.to_training += 1
                else:
                    if evalset is None:
                        raise ValueError("no evaluation set to add the message to")
                    evalset.add(entry.text, label, entry.language, editor)
                    outcome.to_evaluation += 1
            self._record(entry, action, label, where, editor)
            outcome.decided.append(entry.key)
        return outcome

    @staticmethod
    def _label(entry: InboxEntry, action: str, intent: str | None, known_intents: Sequence[str]) -> str | None:
        if action == "assign":
            return intent
        if action == "confirm":
            prediction = entry.prediction
            return prediction.intent if prediction is not None and prediction.understood else None
        if action == "out_of_scope":
            return OUT_OF_SCOPE_INTENT if OUT_OF_SCOPE_INTENT in known_intents else None
        return None

    def _record(self, entry: InboxEntry, action: str, label: str | None, where: str | None, editor: str) -> None:
        with Session(self.engine) as session:
            row = session.execute(
                select(InboxDecision).where(InboxDecision.message_key == entry.key)
            ).scalar_one_or_none()
            if row is None:
                row = InboxDecision(message_key=entry.key)
                session.add(row)
            row.text = redact(entry.text).text
            row.language = entry.language
            row.action = action
            row.intent = label
            row.destination = where
            row.decided_by = editor[:MAX_EDITOR_CHARS]
            row.decided_at = now_db()
            session.commit()

    def purge(self, now: dt.datetime | None = None) -> int:
        """Delete the decisions older than the retention period (their messages have expired too); how many."""
        with Session(self.engine) as session:
            cutoff = to_db(self.cutoff(now))
            result = session.execute(delete(InboxDecision).where(InboxDecision.decided_at < cutoff))
            session.execute(delete(LowRatedConversation).where(LowRatedConversation.rated_at < cutoff))
            session.commit()
            return rowcount(result)
