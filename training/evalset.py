"""The evaluation set of real messages: customers' wording labelled by editors.

Every candidate model is judged on it (`items()`, or `export()` for `rasa test nlu --nlu <file>`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from privacy.redact import redact
from store.inbox import MAX_TEXT_CHARS, EvalSetItem
from store.rows import UTC, now_db, rowcount

LANGUAGES = ("fi", "sv", "en")
INTENT_NAME = re.compile(r"^[A-Za-z0-9_]{1,64}$")
MAX_EDITOR_CHARS = 64
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """The text as the inbox groups it: lower case, runs of whitespace as one space, no space at the ends."""
    return _SPACES.sub(" ", text).strip().casefold()


def clean_text(text: str) -> str:
    """A message as it may be stored: redacted first (so a cut never leaves half a code), one line, cut."""
    return _SPACES.sub(" ", redact(text).text).strip()[:MAX_TEXT_CHARS]


@dataclass(frozen=True)
class EvalItem:
    """One labelled real message."""

    id: int
    text: str
    intent: str
    language: str
    added_at: dt.datetime  # aware UTC
    added_by: str


class EvalSet:
    """Real messages with the intent an editor gave them; every candidate model is judged on them."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add(self, text: str, intent: str, language: str, editor: str) -> int:
        """Add a message (redacted again) with its intent; the item's id.

        The same text in the same language is one item: adding it again relabels it, because the
        newest editor's decision is the one the models should be judged on.
        """
        cleaned = clean_text(text)
        if not cleaned:
            raise ValueError("empty text")
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        if not INTENT_NAME.match(intent):
            raise ValueError(f"bad intent name {intent!r}")
        key = normalise(cleaned)
        with Session(self.engine) as session:
            row = session.execute(
                select(EvalSetItem).where(EvalSetItem.language == language, EvalSetItem.normalised == key)
            ).scalar_one_or_none()
            if row is None:
                row = EvalSetItem(text=cleaned, normalised=key, language=language)
                session.add(row)
            row.intent = intent
            row.added_by = editor[:MAX_EDITOR_CHARS]
            row.added_at = now_db()
            session.commit()
            return row.id

    def items(self, language: str | None = None) -> list[EvalItem]:
        """Every item (of one language), by intent, then text."""
        query = select(EvalSetItem).order_by(EvalSetItem.intent, EvalSetItem.normalised, EvalSetItem.id)
        if language:
            query = query.where(EvalSetItem.language == language)
        with Session(self.engine) as session:
            return [
                EvalItem(
                    id=row.id,
                    # Items added before today's redaction rules are shown as those rules would store them.
                    text=redact(row.text).text,
                    intent=row.intent,
                    language=row.language,
                    added_at=row.added_at.replace(tzinfo=UTC),
                    added_by=row.added_by,
                )
                for row in session.execute(query).scalars()
            ]

    def remove(self, item_id: int) -> bool:
        """Remove one item; False when there was none with this id."""
        with Session(self.engine) as session:
            result = session.execute(delete(EvalSetItem).where(EvalSetItem.id == item_id))
            session.commit()
            return bool(rowcount(result))

    def export(self, path: Path, language: str | None = None) -> int:
        """Write the items (of one language) as Rasa NLU YAML for `rasa test nlu --nlu <path>`; how many."""
        by_intent: dict[str, list[str]] = {}
        for item in self.items(language):
            by_intent.setdefault(item.intent, []).append(item.text)
        lines = ['version: "3.1"', "nlu:"]
        for intent in sorted(by_intent):
            lines.append(f"- intent: {intent}")
            lines.append("  examples: |")
            lines.extend(f"    - {_plain(text)}" for text in by_intent[intent])
        if not by_intent:
            lines[-1] = "nlu: []"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return sum(len(texts) for texts in by_intent.values())


def _plain(text: str) -> str:
    # Rasa reads [words](entity) and {"entity": ...} in an example as entity annotations; a customer's
    # brackets are only punctuation, so they become round brackets and the text is read as it was meant.
    return text.replace("[", "(").replace("]", ")").replace("{", "(").replace("}", ")")
