"""The training examples: the repository's nlu_data/ with the editors' changes over it.

The repository's YAML is the base; the editors' changes are rows of `store.nlu_overlay.NluChange`, applied
in order on top of it. A change that no longer applies to the base (a new release edited or removed the
example, or now has the text in another intent) is a conflict: it is shown and kept, never dropped.
The export writes the merged data in nlu_data/'s own layout, touching only the examples of the intents
(comments, lookups, synonyms and regexes stay as they are), so it diffs cleanly against the repository.
The topics' intents (life_*, service_*) come from the catalogue (service_catalogue.rasa_topics): a new
topic can get examples at once, and the examples of one that is no topic any more are left out of the
export (they stay in the history, and come back if the topic does).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased

from service_catalogue.loader import Catalogue
from service_catalogue.rasa_topics import GENERATED, domain_yaml, is_topic_intent, rules_yaml, topic_intents
from store.catalogue_workspace import CatalogueWorkspace
from store.nlu_overlay import NluChange
from store.rows import UTC, now_db

# Where the topics are derived from: a function giving the catalogue (tests give their own).
TopicsSource = Callable[[], Catalogue]

PROJECT_DIR = Path(__file__).resolve().parents[1]
NLU_DIR = PROJECT_DIR / "nlu_data"
LANGUAGES = ("fi", "sv", "en")
MAX_TEXT = 300
# Intents that only button payloads carry (docs/contracts.md): a typed example would teach the model wrong.
BUTTON_ONLY = frozenset({"choose"})
# What a model is trained from besides the examples (the checksum covers them too).
TRAINED_FROM = ("config.yml", "bot/domain", "bot/data")
DEFAULT_FILE = "general.yml"
# Where a new topic intent's examples go in nlu_data/'s layout.
TOPIC_FILES = {"life_": "life_situations.yml", "service_": "services.yml"}

_INTENT_LINE = re.compile(r"^(?P<indent>\s*)- intent:\s*(?P<name>.+?)\s*$")
_ITEM_LINE = re.compile(r"^(\s*)- (?:intent|lookup|synonym|regex):")
_EXAMPLES_LINE = re.compile(r"^(?P<indent>\s+)examples:\s*\|[-+]?\s*$")
# Entity annotations as Rasa writes them: [text](entity), [text]{"entity": ...}, [text][synonym].
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\}|\[[^\]]*\])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class DuplicateExample(ValueError):
    """The text is already an example in this language; `intent` names the intent that has it."""

    def __init__(self, intent: str, text: str):
        super().__init__(f"{text!r} is already an example of {intent}")
        self.intent = intent
        self.text = text


class UnknownExample(ValueError):
    """The example to edit or delete is not (or no longer) among the intent's examples."""


class ChangeNotApplicable(ValueError):
    """A revert that cannot be made; `reason` is a code the UI turns into words."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Example:
    """One merged example: from the repository ("repo") or written by an editor ("editor")."""

    text: str
    origin: str
    change_id: int | None = None


@dataclass(frozen=True)
class Change:
    """One row of the history."""

    id: int
    at: dt.datetime  # aware UTC
    editor: str
    op: str  # add | edit | delete | dismiss (a conflicting change set aside)
    intent: str
    lang: str
    before: str | None
    after: str | None
    reverts: int | None
    reverted: bool


@dataclass(frozen=True)
class Conflict:
    """An editor's change that does not apply to the current base.

    reason: "missing" (the example it edits or deletes is no longer there) or "elsewhere" (its text is
    now an example of `other_intent`).
    """

    change: Change
    reason: str
    other_intent: str | None = None


def plain(text: str) -> str:
    """The text without entity annotations: `[asumistukea](benefit)` reads `asumistukea`."""
    return _ANNOTATION.sub(r"\1", text)


def normalise(text: str) -> str:
    """The key two examples are the same by: annotations removed, case and white space ignored."""
    return " ".join(plain(text).casefold().split())


def near_key(text: str) -> str:
    """The key of near-duplicates: also without diacritics ('hyvää' ~ 'hyvaa') and punctuation."""
    decomposed = unicodedata.normalize("NFKD", normalise(text))
    letters = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]|_", " ", letters).split())


def clean_text(text: str) -> str:
    """An editor's text as stored, or ValueError: one line, not empty, at most MAX_TEXT characters."""
    text = " ".join(text.split()) if isinstance(text, str) else ""
    if not text:
        raise ValueError("the example is empty")
    if len(text) > MAX_TEXT:
        raise ValueError(f"the example is longer than {MAX_TEXT} characters")
    if _CONTROL.search(text):
        raise ValueError("the example contains control characters")
    return text


# --- The base: nlu_data/ as the repository has it ---------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """An intent item in a file's text: lines [start, end) are the item, [first_example, end) its examples."""

    intent: str
    start: int
    first_example: int
    end: int
    indent: str  # of the example lines


@dataclass(frozen=True)
class _BaseFile:
    rel: str  # "fi/general.yml"
    lang: str | None  # None for common/
    text: str
    blocks: tuple[_Block, ...]


@dataclass(frozen=True)
class _Base:
    files: tuple[_BaseFile, ...]
    examples: dict[str, dict[str, list[str]]]  # lang -> intent -> texts, in file order
    home: dict[str, dict[str, str]]  # lang -> intent -> rel of the file whose block holds it


def _examples_of(block_text: str) -> list[str]:
    """The examples of an `examples: |` text, read as Rasa reads them."""
    return [line[1:].strip("\n\r ") for line in block_text.splitlines() if line.startswith("-")]


def _blocks(lines: list[str]) -> list[_Block]:
    """The intent items of a file, found in its text (nlu_data/ writes every one as `examples: |`)."""
    found = []
    for number, line in enumerate(lines):
        match = _INTENT_LINE.match(line)
        if not match:
            continue
        item_indent = len(match["indent"])
        key = next(
            (
                n
                for n in range(number + 1, min(number + 6, len(lines)))
                if _EXAMPLES_LINE.match(lines[n]) and len(lines[n]) - len(lines[n].lstrip()) > item_indent
            ),
            None,
        )
        if key is None:
            continue
        key_indent = len(lines[key]) - len(lines[key].lstrip())
        end = key + 1
        while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > key_indent):
            end += 1
        while end > key + 1 and not lines[end - 1].strip():
            end -= 1  # blank lines after the block belong to the file, not to the examples
        content = [line for line in lines[key + 1 : end] if line.strip()]
        indent = content[0][: len(content[0]) - len(content[0].lstrip())] if content else " " * (key_indent + 2)
        found.append(_Block(match["name"].strip("'\""), number, key + 1, end, indent))
    return found


def _read_base(nlu_dir: Path) -> _Base:
    files = []
    examples: dict[str, dict[str, list[str]]] = {lang: {} for lang in LANGUAGES}
    home: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for path in sorted(nlu_dir.rglob("*.yml")):
        rel = path.relative_to(nlu_dir).as_posix()
        lang = rel.split("/")[0] if rel.split("/")[0] in LANGUAGES else None
        text = path.read_text(encoding="utf-8")
        blocks = _blocks(text.splitlines())
        if lang is not None:
            document = yaml.safe_load(text) or {}
            for item in document.get("nlu") or []:
                if isinstance(item, dict) and "intent" in item:
                    intent = str(item["intent"])
                    examples[lang].setdefault(intent, []).extend(_examples_of(str(item.get("examples") or "")))
                    home[lang].setdefault(intent, rel)
        files.append(_BaseFile(rel, lang, text, tuple(blocks)))
    return _Base(tuple(files), examples, home)


def _signature(paths: list[Path]) -> tuple:
    """What tells a changed file apart without reading it (a new release, a test editing the base)."""
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)


_lock = threading.Lock()
_base_cache: dict[str, tuple[tuple, _Base]] = {}
_merge_cache: dict[tuple, _Merge] = {}
_MERGE_CACHE_SIZE = 8


def _base(nlu_dir: Path) -> _Base:
    """The parsed base, read once per process and again only when a file changes."""
    signature = _signature(sorted(nlu_dir.rglob("*.yml")))
    with _lock:
        cached = _base_cache.get(str(nlu_dir))
        if cached and cached[0] == signature:
            return cached[1]
    base = _read_base(nlu_dir)
    with _lock:
        _base_cache[str(nlu_dir)] = (signature, base)
    return base


@dataclass(frozen=True)
class TrainingFiles:
    """The folders `rasa train` reads, as a training job exports them."""

    domain: Path  # bot/domain's files and the generated topics' intents
    data: Path  # bot/data's stories and rules and the generated topics' rules
    nlu: Path  # the merged examples in nlu_data/'s layout


_domain_cache: dict[str, tuple[tuple, tuple[str, ...]]] = {}


def _hand_written_intents(domain_dir: Path) -> tuple[str, ...]:
    """The intents of a domain folder's own files, read again only when one changes (they are long to parse)."""
    paths = sorted(p for p in domain_dir.glob("*.yml") if p.name != GENERATED)
    signature = _signature(paths)
    with _lock:
        cached = _domain_cache.get(str(domain_dir))
        if cached and cached[0] == signature:
            return cached[1]
    found: list[str] = []
    for path in paths:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for item in document.get("intents") or []:
            name = next(iter(item)) if isinstance(item, dict) else str(item)
            if name not in found:
                found.append(name)
    with _lock:
        _domain_cache[str(domain_dir)] = (signature, tuple(found))
    return tuple(found)


def published_catalogue(engine: Engine) -> Catalogue:
    """The published catalogue (the editors' workspace): customers are answered from it, so a model's topics
    are derived from it; CatalogueError when it does not load."""
    return CatalogueWorkspace(engine).published()


# --- The merge: the base with every change applied in order -----------------------------------------


@dataclass
class _Merge:
    """Lang -> intent -> examples, an index of normalised texts, and the changes that did not apply."""

    examples: dict[str, dict[str, list[Example]]]
    index: dict[str, dict[str, str]]  # lang -> normalise(text) -> intent
    conflicts: dict[int, tuple[str, str | None]] = field(default_factory=dict)

    def find(self, lang: str, intent: str, text: str) -> int | None:
        key = normalise(text)
        for number, example in enumerate(self.examples[lang].get(intent, [])):
            if normalise(example.text) == key:
                return number
        return None

    def owner(self, lang: str, text: str) -> str | None:
        return self.index[lang].get(normalise(text))

    def apply(self, change_id: int, op: str, intent: str, lang: str, before: str | None, after: str | None) -> None:
        """Apply one change, or record why it does not apply any more."""
        if lang not in self.examples:
            return
        examples = self.examples[lang].setdefault(intent, [])
        if op == "add" and after is not None:
            owner = self.owner(lang, after)
            if owner is None:
                examples.append(Example(after, "editor", change_id))
                self.index[lang][normalise(after)] = intent
            elif owner != intent:
                self.conflicts[change_id] = ("elsewhere", owner)
            # else: the base now has the same example (upstream took it): nothing to add, nothing lost.
        elif op == "edit" and before is not None and after is not None:
            number = self.find(lang, intent, before)
            owner = self.owner(lang, after)
            if number is None:
                if owner != intent:  # else the base made the same edit
                    self.conflicts[change_id] = ("missing", None)
            elif owner is not None and owner != intent:
                self.conflicts[change_id] = ("elsewhere", owner)
            elif owner == intent and normalise(after) != normalise(before):
                del examples[number]  # the new text is already there: the edit merges two examples
                self.index[lang][normalise(after)] = intent
                self.index[lang].pop(normalise(before), None)
            else:
                self.index[lang].pop(normalise(before), None)
                examples[number] = Example(after, "editor", change_id)
                self.index[lang][normalise(after)] = intent
        elif op == "delete" and before is not None:
            number = self.find(lang, intent, before)
            if number is None:
                self.conflicts[change_id] = ("missing", None)
            else:
                del examples[number]
                self.index[lang].pop(normalise(before), None)
        # "dismiss" sets a conflicting change aside and changes no example.


def _fresh_merge(base: _Base) -> _Merge:
    examples = {
        lang: {intent: [Example(text, "repo") for text in texts] for intent, texts in intents.items()}
        for lang, intents in base.examples.items()
    }
    index: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for lang, intents in base.examples.items():
        for intent, texts in intents.items():
            for text in texts:
                index[lang].setdefault(normalise(text), intent)
    return _Merge(examples, index)


def _change(row: NluChange, reverted: bool) -> Change:
    at = row.at.replace(tzinfo=UTC) if row.at.tzinfo is None else row.at
    return Change(row.id, at, row.editor, row.op, row.intent, row.lang, row.before, row.after, row.reverts, reverted)


class TrainingData:
    """Examples per intent and language: nlu_data/ merged with the editors' changes kept in the database."""

    def __init__(
        self,
        engine: Engine,
        nlu_dir: Path = NLU_DIR,
        *,
        project_dir: Path = PROJECT_DIR,
        topics_source: TopicsSource | None = None,
    ):
        self.engine = engine
        self.nlu_dir = nlu_dir
        self.project_dir = project_dir
        self.topics_source: TopicsSource = topics_source or functools.partial(published_catalogue, engine)

    # --- reading ---

    def _merge(self) -> _Merge:
        """The merged data, replayed from the change rows (streamed, never all in memory) when they changed."""
        base = _base(self.nlu_dir)
        with Session(self.engine) as session:
            last, count = session.execute(select(func.max(NluChange.id), func.count(NluChange.id))).one()
            key = (id(self.engine), str(self.engine.url), str(self.nlu_dir), id(base), last, count)
            with _lock:
                cached = _merge_cache.get(key)
            if cached is not None:
                return cached
            merge = _fresh_merge(base)
            rows = session.execute(
                select(
                    NluChange.id, NluChange.op, NluChange.intent, NluChange.lang, NluChange.before, NluChange.after
                ).order_by(NluChange.id)
            ).yield_per(500)
            for change_id, op, intent, lang, before, after in rows:
                merge.apply(change_id, op, intent, lang, before, after)
        with _lock:
            if len(_merge_cache) >= _MERGE_CACHE_SIZE:
                _merge_cache.pop(next(iter(_merge_cache)))
            _merge_cache[key] = merge
        return merge

    def topic_intents(self) -> list[str]:
        """The catalogue's topic intents (life situations', then services'), as the training derives them."""
        return topic_intents(self.topics_source())

    def hand_written_intents(self) -> list[str]:
        """The intents of bot/domain/*.yml (not the generated topics' file), in file order."""
        return list(_hand_written_intents(self.project_dir / "bot" / "domain"))

    def domain_intents(self) -> list[str]:
        """The intents of the domain a model is trained with: bot/domain's, then the catalogue's topics."""
        found = self.hand_written_intents()
        return found + [i for i in self.topic_intents() if i not in found]

    def _retired(self, merge: _Merge) -> set[str]:
        """Topic-kind intents with examples that neither the catalogue nor the domain has any more."""
        kept = set(self.domain_intents())
        return {
            intent
            for lang in LANGUAGES
            for intent, examples in merge.examples[lang].items()
            if examples and is_topic_intent(intent) and intent not in kept
        }

    def retired(self) -> list[str]:
        """The examples' intents that are no topic any more: left out of the training and the export."""
        return sorted(self._retired(self._merge()))

    def intents(self) -> list[str]:
        """Every trained intent: the domain's in its order, then any other intent that has examples."""
        found = self.domain_intents()
        merge = self._merge()
        with_examples = {i for lang in LANGUAGES for i, texts in merge.examples[lang].items() if texts}
        extra = sorted(with_examples - set(found) - self._retired(merge))
        return found + extra

    def editable(self, intent: str) -> bool:
        """Whether editors may add examples to the intent (not a button-only one)."""
        return intent not in BUTTON_ONLY

    def examples(self, intent: str, lang: str) -> list[Example]:
        """The merged examples of one intent in one language, the repository's first."""
        if lang not in LANGUAGES:
            return []
        return list(self._merge().examples[lang].get(intent, []))

    def counts(self) -> dict[str, dict[str, int]]:
        """Intent -> lang -> number of examples."""
        merged = self._merge().examples
        return {intent: {lang: len(merged[lang].get(intent, [])) for lang in LANGUAGES} for intent in self.intents()}

    def search(self, query: str, limit: int = 200) -> list[tuple[str, str, Example]]:
        """(intent, lang, example) whose text holds the query, diacritics and case ignored."""
        wanted = near_key(query)
        if not wanted:
            return []
        found = []
        merged = self._merge().examples
        for lang in LANGUAGES:
            for intent, examples in merged[lang].items():
                for example in examples:
                    if wanted in near_key(example.text):
                        found.append((intent, lang, example))
                        if len(found) >= limit:
                            return found
        return found

    def near_duplicates(self, text: str, lang: str) -> list[tuple[str, str]]:
        """(intent, existing text) that equal the text after lower-casing, removing diacritics and punctuation."""
        key = near_key(text)
        if not key or lang not in LANGUAGES:
            return []
        return [
            (intent, example.text)
            for intent, examples in self._merge().examples[lang].items()
            for example in examples
            if near_key(example.text) == key
        ]

    def merged(self) -> dict[str, dict[str, list[str]]]:
        """Lang -> intent -> texts (annotations as written); intents with no example, and retired ones, left out."""
        merge = self._merge()
        retired = self._retired(merge)
        return {
            lang: {
                intent: [e.text for e in examples]
                for intent, examples in intents.items()
                if examples and intent not in retired
            }
            for lang, intents in merge.examples.items()
        }

    # --- changing ---

    def _check(self, intent: str, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}")
        if intent not in self.intents():
            raise ValueError(f"unknown intent {intent!r}")
        if not self.editable(intent):
            raise ValueError(f"{intent} takes no typed examples")

    def _record(self, editor: str, op: str, intent: str, lang: str, before: str | None, after: str | None, **kw) -> int:
        with Session(self.engine) as session:
            row = NluChange(
                at=now_db(), editor=editor[:64], op=op, intent=intent, lang=lang, before=before, after=after, **kw
            )
            session.add(row)
            session.commit()
            return row.id

    def add(self, intent: str, lang: str, text: str, editor: str) -> int:
        """Add an example; DuplicateExample when the language has it already (in any intent)."""
        self._check(intent, lang)
        text = clean_text(text)
        owner = self._merge().owner(lang, text)
        if owner is not None:
            raise DuplicateExample(owner, text)
        return self._record(editor, "add", intent, lang, None, text)

    def edit(self, intent: str, lang: str, old_text: str, new_text: str, editor: str) -> int:
        """Rewrite an example; DuplicateExample when the new text is another example already."""
        self._check(intent, lang)
        new_text = clean_text(new_text)
        merge = self._merge()
        number = merge.find(lang, intent, old_text)
        if number is None:
            raise UnknownExample(f"{old_text!r} is not an example of {intent}")
        old = merge.examples[lang][intent][number].text
        if new_text == old:
            raise ValueError("the example did not change")
        owner = merge.owner(lang, new_text)
        if owner is not None and normalise(new_text) != normalise(old):
            raise DuplicateExample(owner, new_text)
        return self._record(editor, "edit", intent, lang, old, new_text)

    def delete(self, intent: str, lang: str, text: str, editor: str) -> int:
        """Remove an example."""
        if lang not in LANGUAGES:
            raise ValueError(f"unknown language {lang!r}")
        merge = self._merge()
        number = merge.find(lang, intent, text)
        if number is None:
            raise UnknownExample(f"{text!r} is not an example of {intent}")
        return self._record(editor, "delete", intent, lang, merge.examples[lang][intent][number].text, None)

    def change(self, change_id: int) -> Change | None:
        """One change of the history, or None."""
        return next(iter(self._changes(select_id=change_id, limit=1)), None)

    def revert(self, change_id: int, editor: str) -> int:
        """Record the change that undoes this one; ChangeNotApplicable when it cannot be undone now."""
        change = self.change(change_id)
        if change is None:
            raise ChangeNotApplicable("unknown", f"no change {change_id}")
        if change.reverted:
            raise ChangeNotApplicable("already_reverted", f"change {change_id} is already reverted")
        merge = self._merge()
        lang, intent = change.lang, change.intent
        if change_id in merge.conflicts or change.op == "dismiss":
            if change.op == "dismiss":
                raise ChangeNotApplicable("not_applicable", "a dismissal cannot be reverted")
            # It never applied: undoing it sets the conflict aside, and no example changes.
            return self._record(editor, "dismiss", intent, lang, change.before, change.after, reverts=change_id)
        if change.op == "add" and change.after is not None:
            if merge.find(lang, intent, change.after) is None:
                raise ChangeNotApplicable("gone", f"{change.after!r} is no longer an example of {intent}")
            return self._record(editor, "delete", intent, lang, change.after, None, reverts=change_id)
        if change.op == "delete" and change.before is not None:
            owner = merge.owner(lang, change.before)
            if owner is not None:
                raise ChangeNotApplicable("exists", f"{change.before!r} is an example of {owner} again")
            return self._record(editor, "add", intent, lang, None, change.before, reverts=change_id)
        if change.op == "edit" and change.before is not None and change.after is not None:
            if merge.find(lang, intent, change.after) is None:
                raise ChangeNotApplicable("gone", f"{change.after!r} is no longer an example of {intent}")
            owner = merge.owner(lang, change.before)
            if owner is not None and normalise(change.before) != normalise(change.after):
                raise ChangeNotApplicable("exists", f"{change.before!r} is an example of {owner} again")
            return self._record(editor, "edit", intent, lang, change.after, change.before, reverts=change_id)
        raise ChangeNotApplicable("not_applicable", f"change {change_id} cannot be reverted")

    # --- history ---

    def _changes(
        self,
        *,
        intent: str | None = None,
        editor: str | None = None,
        select_id: int | None = None,
        ids: list[int] | None = None,
        limit: int = 200,
    ) -> list[Change]:
        undo = aliased(NluChange)
        reverted = select(undo.id).where(undo.reverts == NluChange.id).exists()
        query = select(NluChange, reverted).order_by(NluChange.id.desc()).limit(limit)
        if intent is not None:
            query = query.where(NluChange.intent == intent)
        if editor is not None:
            query = query.where(NluChange.editor == editor)
        if select_id is not None:
            query = query.where(NluChange.id == select_id)
        if ids is not None:
            query = query.where(NluChange.id.in_(ids))
        with Session(self.engine) as session:
            return [_change(row, bool(flag)) for row, flag in session.execute(query)]

    def history(self, intent: str | None = None, editor: str | None = None, limit: int = 200) -> list[Change]:
        """The latest changes first, of one intent and/or one editor."""
        return self._changes(intent=intent, editor=editor, limit=limit)

    def editors(self) -> list[str]:
        """Everyone who has changed an example, for the history's filter."""
        with Session(self.engine) as session:
            return list(session.execute(select(NluChange.editor).distinct().order_by(NluChange.editor)).scalars())

    def conflicts(self) -> list[Conflict]:
        """The editors' changes that do not apply to the current base and have not been set aside."""
        found = self._merge().conflicts
        changes = self._changes(ids=list(found), limit=max(len(found), 1)) if found else []
        return [Conflict(c, *found[c.id]) for c in changes if not c.reverted]

    def last_change_at(self) -> dt.datetime | None:
        """When an editor last changed an example (aware UTC), or None."""
        with Session(self.engine) as session:
            last = session.execute(select(func.max(NluChange.at))).scalar()
        return last.replace(tzinfo=UTC) if last is not None and last.tzinfo is None else last

    # --- export ---

    def export_files(self) -> dict[str, str]:
        """Relative path -> text of the merged data in nlu_data/'s layout."""
        base = _base(self.nlu_dir)
        merged = self.merged()
        files: dict[str, str] = {}
        # An intent that has no block in a language yet goes to the file where another language keeps it.
        new: dict[str, dict[str, list[str]]] = {}
        for lang in LANGUAGES:
            for intent, texts in merged[lang].items():
                if intent not in base.home[lang]:
                    new.setdefault(_new_home(base, lang, intent), {})[intent] = texts
        for base_file in base.files:
            if base_file.lang is None:
                files[base_file.rel] = base_file.text
                continue
            lang = base_file.lang
            wanted = {i: merged[lang].get(i, []) for i, rel in base.home[lang].items() if rel == base_file.rel}
            files[base_file.rel] = _rewrite(base_file, wanted | new.pop(base_file.rel, {}))
        for rel, wanted in new.items():  # a file the language did not have
            files[rel] = _dump('version: "3.1"\nnlu: []\n', wanted, rel.split("/", 1)[0])
        return files

    def export(self, directory: Path) -> None:
        """Write the merged data as Rasa YAML in nlu_data/'s layout (for `rasa train` and for upstream)."""
        for rel, text in self.export_files().items():
            path = directory / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")

    def topic_files(self) -> dict[str, str]:
        """The generated topics' files of bot/domain and bot/data, derived from the topics' catalogue."""
        cat = self.topics_source()
        return {f"bot/domain/{GENERATED}": domain_yaml(cat), f"bot/data/{GENERATED}": rules_yaml(cat)}

    def export_training(self, directory: Path) -> TrainingFiles:
        """Write everything `rasa train` reads into `directory`: domain/ and data/ (bot's own files, not a
        generated one found there, and the topics derived from the topics' catalogue) and nlu/."""
        files = TrainingFiles(directory / "domain", directory / "data", directory / "nlu")
        generated = self.topic_files()
        for name, target in (("domain", files.domain), ("data", files.data)):
            target.mkdir(parents=True, exist_ok=True)
            for path in sorted((self.project_dir / "bot" / name).glob("*.yml")):
                if path.name != GENERATED:
                    (target / path.name).write_bytes(path.read_bytes())
            (target / GENERATED).write_text(generated[f"bot/{name}/{GENERATED}"], encoding="utf-8", newline="\n")
        self.export(files.nlu)
        return files

    def checksum(self) -> str:
        """sha256 over what a model is trained from: the exported data, config.yml, bot/domain/ and bot/data/
        (their generated topics' files as derived from the topics' catalogue, not as found on disk)."""
        digest = hashlib.sha256()
        parts = [(f"nlu_data/{rel}", text.encode("utf-8")) for rel, text in self.export_files().items()]
        parts += list(self._project_files())
        parts += [(name, text.encode("utf-8")) for name, text in self.topic_files().items()]
        for name, data in sorted(parts):
            # Line endings as git may check them out on another machine must not change the sum.
            data = data.replace(b"\r\n", b"\n")
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()

    def _project_files(self) -> Iterator[tuple[str, bytes]]:
        for name in TRAINED_FROM:
            path = self.project_dir / name
            paths = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            for file in paths:
                if file.exists() and "__pycache__" not in file.parts and file.name != GENERATED:
                    yield file.relative_to(self.project_dir).as_posix(), file.read_bytes()


def _new_home(base: _Base, lang: str, intent: str) -> str:
    """The file a new intent's block goes to: where another language keeps it, else its kind's (a new
    catalogue topic's examples beside the other topics'), else general.yml."""
    rels = {f.rel for f in base.files if f.lang == lang}
    for other in LANGUAGES:
        rel = base.home[other].get(intent)
        if rel is not None and f"{lang}/{rel.split('/', 1)[1]}" in rels:
            return f"{lang}/{rel.split('/', 1)[1]}"
    for prefix, name in TOPIC_FILES.items():
        if intent.startswith(prefix) and f"{lang}/{name}" in rels:
            return f"{lang}/{name}"
    return f"{lang}/{DEFAULT_FILE}"


def _example_lines(texts: list[str], indent: str) -> list[str]:
    return [f"{indent}- {text}" for text in texts]


def _rewrite(base_file: _BaseFile, wanted: dict[str, list[str]]) -> str:
    """The file's text with the examples of its intents replaced; everything else as it was."""
    lines = base_file.text.splitlines()
    written: set[str] = set()
    out: list[str] = []
    position = 0
    for block in base_file.blocks:
        out += lines[position : block.start]
        texts = wanted.get(block.intent, [])
        if block.intent in written or not texts:
            # An intent left with no example loses its item (Rasa refuses an empty one); a second block of
            # the same intent in the file was merged into the first.
            position = block.end
            continue
        written.add(block.intent)
        out += lines[block.start : block.first_example] + _example_lines(texts, block.indent)
        position = block.end
    out += lines[position:]
    for intent, texts in wanted.items():
        if intent not in written and texts and not any(b.intent == intent for b in base_file.blocks):
            out = _append_block(out, intent, texts, base_file.lang)
    # The file ends as it did (a file without a final newline stays without one: the export diffs clean).
    text = "\n".join(out) + ("\n" if base_file.text.endswith("\n") else "")
    try:
        same = _read_intents(text) == {i: t for i, t in wanted.items() if t}
    except yaml.YAMLError:
        same = False
    # A layout the line rewrite does not know (another tool wrote the file): write the file out whole.
    return text if same else _dump(base_file.text, wanted, base_file.lang)


def _read_intents(text: str) -> dict[str, list[str]]:
    document = yaml.safe_load(text) or {}
    found: dict[str, list[str]] = {}
    for item in document.get("nlu") or []:
        if isinstance(item, dict) and "intent" in item:
            found.setdefault(str(item["intent"]), []).extend(_examples_of(str(item.get("examples") or "")))
    return found


def _metadata_lines(metadata: object, lang: str | None, indent: str) -> list[str]:
    """An intent item's `metadata:` lines: its own kept, `language` added (the language identifier learns from it)."""
    kept = dict(metadata) if isinstance(metadata, dict) else {}
    if lang is not None:
        kept.setdefault("language", lang)
    if not kept:
        return []
    body = yaml.safe_dump(kept, allow_unicode=True, default_flow_style=False, sort_keys=False).splitlines()
    return [f"{indent}metadata:", *(f"{indent}  {line}" for line in body)]


def _dump(original: str, wanted: dict[str, list[str]], lang: str | None) -> str:
    """The whole file written anew (comments lost), for a layout _blocks does not recognise."""
    document = yaml.safe_load(original) or {}
    lines = [f'version: "{document.get("version", "3.1")}"', "nlu:"]
    done: set[str] = set()
    for item in document.get("nlu") or []:
        if isinstance(item, dict) and "intent" in item:
            intent = str(item["intent"])
            if intent in done or not wanted.get(intent):
                continue
            done.add(intent)
            metadata = _metadata_lines(item.get("metadata"), lang, "  ")
            lines += [f"- intent: {intent}", *metadata, "  examples: |", *_example_lines(wanted[intent], "    ")]
        else:
            lines += ["- " + line if n == 0 else "  " + line for n, line in enumerate(_dump_item(item))]
    for intent, texts in wanted.items():
        if intent not in done and texts:
            metadata = _metadata_lines(None, lang, "  ")
            lines += [f"- intent: {intent}", *metadata, "  examples: |", *_example_lines(texts, "    ")]
    return "\n".join(lines) + "\n"


def _dump_item(item: dict) -> list[str]:
    """A lookup, synonym or regex item with its examples as a literal block, as Rasa expects."""
    lines = []
    for key, value in item.items():
        if key == "examples" and isinstance(value, str):
            lines += ["examples: |", *("  " + line for line in value.splitlines())]
        else:
            lines.append(yaml.safe_dump({key: value}, allow_unicode=True, default_flow_style=True).strip()[1:-1])
    return lines


def _append_block(lines: list[str], intent: str, texts: list[str], lang: str | None) -> list[str]:
    """The file's lines with a new intent item at the end, indented like the file's other items, its language said."""
    match = next((m for m in map(_ITEM_LINE.match, lines) if m), None)
    indent = match.group(1) if match else ""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    block = [
        f"{indent}- intent: {intent}",
        *_metadata_lines(None, lang, f"{indent}  "),
        f"{indent}  examples: |",
        *_example_lines(texts, f"{indent}    "),
    ]
    return [*lines, "", *block]
