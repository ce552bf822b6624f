"""The editors' catalogue: drafts, publishing, history, revert, upgrade merge and export over store.catalogue_changes.

The repository's catalogue/data/ stays the base. Every published change replaces one entry (a life situation,
service, form, authority or the point) field by field on top of it, in id order: a field the editor changed
takes the editor's value, a field the editor did not touch follows the base, so a release that brings new
catalogue data keeps the editors' work. A field changed on both sides keeps the editor's value and is
reported by `conflicts()`. Drafts are one editor's own until published; publishing runs the loader over the
whole result and refuses (CatalogueError, nothing changes) when it finds a problem.

LiveCatalogue, at the end, is what the running processes serve from: it notices a publish by polling
`version()` and swaps in the new catalogue, keeping the old one when the new one fails to load.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import os
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased

from service_catalogue.loader import (
    FILES,
    KIND_FILES,
    KINDS,
    Catalogue,
    CatalogueError,
    Problem,
    data_dir_of,
    load_documents,
    read_documents,
)
from store.catalogue_changes import CatalogueChange
from store.rows import UTC, now_db

log = logging.getLogger(__name__)

POINT_KEY = "point"
# A conflict's field when the whole entry is concerned (the base removed an entry the editor changed).
WHOLE_ENTRY = "*"
# The source of a row that settles a conflict.
RESOLVE = "resolve"
KEY_MAX = 128
EDITOR_MAX = 64
SOURCE_MAX = 16
# The largest real entry (a life situation with its notes) is a few kilobytes.
ENTRY_MAX_CHARS = 100_000
# Seconds between LiveCatalogue's looks at the database, unless CATALOGUE_CHECK_SECONDS says otherwise.
DEFAULT_CHECK_SECONDS = 2.0


class WorkspaceError(ValueError):
    """A request the workspace cannot carry out (unknown change, already reverted, not the editor's draft)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Draft:
    """One change row: a draft, or a published change of the history."""

    id: int
    at: dt.datetime
    editor: str
    kind: str
    key: str
    op: str
    before: dict | None
    after: dict | None
    state: str
    published_at: dt.datetime | None
    published_by: str | None
    source: str
    reverts: int | None
    reverted: bool


@dataclass
class Conflict:
    """A field an editor changed that the repository base has changed too since; the editor's value stands."""

    kind: str
    key: str
    field: str
    base_value: Any
    editor_value: Any
    change_id: int


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _loads(text: str | None) -> dict | None:
    return json.loads(text) if text is not None else None


def _dumps(entry: dict | None) -> str | None:
    return json.dumps(entry, ensure_ascii=False, default=str) if entry is not None else None


def _draft(row: CatalogueChange, reverted: bool = False) -> Draft:
    return Draft(
        id=row.id,
        at=_aware(row.at) or row.at,
        editor=row.editor,
        kind=row.kind,
        key=row.key,
        op=row.op,
        before=_loads(row.before),
        after=_loads(row.after),
        state=row.state,
        published_at=_aware(row.published_at),
        published_by=row.published_by,
        source=row.source,
        reverts=row.reverts,
        reverted=reverted,
    )


def _entry_key(kind: str, entry: dict) -> str:
    key_field = KIND_FILES[kind][2]
    return POINT_KEY if key_field is None else str(entry.get(key_field))


def find_entry(documents: dict[str, Any], kind: str, key: str) -> dict | None:
    """The entry of that kind and key in the documents, or None."""
    file, list_name, key_field = KIND_FILES[kind]
    document = documents.get(file) or {}
    if key_field is None:
        return document.get(list_name)
    for entry in document.get(list_name) or []:
        if isinstance(entry, dict) and str(entry.get(key_field)) == key:
            return entry
    return None


def _set_entry(documents: dict[str, Any], kind: str, key: str, entry: dict | None) -> None:
    """Replace the entry in place, append it when new, remove it when `entry` is None."""
    file, list_name, key_field = KIND_FILES[kind]
    document = documents.setdefault(file, {})
    if key_field is None:
        if entry is None:
            document.pop(list_name, None)
        else:
            document[list_name] = entry
        return
    entries = document.setdefault(list_name, [])
    for index, existing in enumerate(entries):
        if isinstance(existing, dict) and str(existing.get(key_field)) == key:
            if entry is None:
                del entries[index]
            else:
                entries[index] = entry
            return
    if entry is not None:
        entries.append(entry)


_MISSING = object()


def merge_entry(current: dict | None, before: dict | None, after: dict) -> tuple[dict, list[tuple[str, Any, Any]]]:
    """The editor's `after` applied to `current` field by field: fields the editor changed (before -> after)
    take the editor's value, the others follow `current`. Returns the entry and (field, current value, editor's
    value) for each field that `current` changed too, differently."""
    if current is None:  # a new entry, or one the base no longer has: the editor's stands as written
        return dict(after), []
    before = before or {}
    merged: dict[str, Any] = {}
    conflicts: list[tuple[str, Any, Any]] = []
    # The editor's order first (the entry reads as written), then fields only the base has.
    for name in [*after, *(n for n in current if n not in after), *(n for n in before if n not in after)]:
        if name in merged:
            continue
        mine, theirs, was = after.get(name, _MISSING), current.get(name, _MISSING), before.get(name, _MISSING)
        if mine != was:
            if theirs not in (was, mine):
                conflicts.append((name, None if theirs is _MISSING else theirs, None if mine is _MISSING else mine))
            if mine is not _MISSING:
                merged[name] = mine
        elif theirs is not _MISSING:
            merged[name] = theirs
    return merged, conflicts


@dataclass
class _State:
    """The published documents, their catalogue (or the loader's error), and the conflicts of the replay."""

    documents: dict[str, Any]
    conflicts: list[Conflict]
    catalogue: Catalogue | None = None
    error: CatalogueError | None = None


_lock = threading.RLock()
# (data_dir, file signature) -> the repository's documents; a new release's files are read anew.
_base_cache: dict[tuple, dict[str, Any]] = {}
# (engine, data_dir, signature, version) -> replayed state; with no published change, shared by every engine.
_state_cache: dict[tuple, _State] = {}
_STATE_CACHE_SIZE = 8


def _signature(data_dir: Path) -> tuple:
    stamps: list[tuple[str, int | None, int | None]] = []
    for name in FILES:
        try:
            stat = (data_dir / f"{name}.yml").stat()
            stamps.append((name, stat.st_mtime_ns, stat.st_size))
        except FileNotFoundError:
            stamps.append((name, None, None))
    return tuple(stamps)


class CatalogueWorkspace:
    """The catalogue as the editors keep it: catalogue/data/ plus the published changes, and each editor's drafts."""

    def __init__(self, engine: Engine, data_dir: Path | None = None) -> None:
        self.engine = engine
        self.data_dir = data_dir_of(data_dir)

    # --- reading ---

    def base_documents(self) -> dict[str, Any]:
        """The repository's documents (a copy to change at will); CatalogueError when a file is missing or not YAML."""
        signature = _signature(self.data_dir)
        key = (str(self.data_dir), signature)
        with _lock:
            cached = _base_cache.get(key)
        if cached is None:
            cached = read_documents(self.data_dir)
            with _lock:
                _base_cache.clear()  # the files changed: the old reading is of no use
                _base_cache[key] = cached
        return copy.deepcopy(cached)

    def _published_version(self) -> tuple[int | None, int]:
        with Session(self.engine) as session:
            last, count = session.execute(
                select(func.max(CatalogueChange.id), func.count(CatalogueChange.id)).where(
                    CatalogueChange.state == "published"
                )
            ).one()
        return last, int(count)

    def version(self) -> str:
        """Changes whenever anything is published (or the repository's files change): one cheap query."""
        last, count = self._published_version()
        files = "-".join(f"{stamp}.{size}" for _, stamp, size in _signature(self.data_dir))
        return f"{last or 0}:{count}:{zlib.crc32(files.encode()):08x}"

    def _published_rows(self) -> list[CatalogueChange]:
        with Session(self.engine) as session:
            rows = list(
                session.execute(
                    select(CatalogueChange).where(CatalogueChange.state == "published").order_by(CatalogueChange.id)
                ).scalars()
            )
            session.expunge_all()
        return rows

    def _state(self) -> _State:
        """The published state, replayed once per version and cached."""
        signature = _signature(self.data_dir)
        last, count = self._published_version()
        engine_key: tuple = (id(self.engine), str(self.engine.url)) if count else ()
        key = (*engine_key, str(self.data_dir), signature, last, count)
        with _lock:
            cached = _state_cache.get(key)
        if cached is not None:
            return cached
        documents = self.base_documents()
        conflicts = self._replay(documents, self._published_rows())
        state = _State(documents, conflicts)
        with _lock:
            if len(_state_cache) >= _STATE_CACHE_SIZE:
                _state_cache.pop(next(iter(_state_cache)))
            _state_cache[key] = state
        return state

    @staticmethod
    def _replay(documents: dict[str, Any], rows: list[CatalogueChange]) -> list[Conflict]:
        """Apply the rows to the documents in order; the conflicts still standing at the end.

        Only a "resolve" row settles a conflict (a later edit may have been saved before the release came):
        one that changes the field and names the base value the conflict is about (as what it replaced when
        the editor's value is kept, as what it writes when the repository's is taken).
        """
        standing: dict[tuple[str, str, str], Conflict] = {}
        for row in rows:
            before, after = _loads(row.before), _loads(row.after)
            current = find_entry(documents, row.kind, row.key)
            found: list[tuple[str, Any, Any]] = []
            if row.source == RESOLVE:
                for (kind, key, field_name), conflict in list(standing.items()):
                    if (kind, key) != (row.kind, row.key):
                        continue
                    if field_name == WHOLE_ENTRY:
                        settled = True
                    else:
                        was = (before or {}).get(field_name, _MISSING)
                        now = (after or {}).get(field_name, _MISSING)
                        base = _MISSING if conflict.base_value is None else conflict.base_value
                        settled = was != now and base in (was, now)
                    if settled:
                        del standing[kind, key, field_name]
            if row.op == "delete":
                if current is not None and before is not None and current != before and row.source != RESOLVE:
                    found.append((WHOLE_ENTRY, current, None))
                _set_entry(documents, row.kind, row.key, None)
            elif after is not None:
                if current is None and before is not None and row.source != RESOLVE:
                    # The base no longer has the entry the editor changed: the editor's entry stands.
                    found.append((WHOLE_ENTRY, None, after))
                merged, fields = merge_entry(copy.deepcopy(current), before, after)
                found += fields if row.source != RESOLVE else []
                _set_entry(documents, row.kind, row.key, merged)
                new_key = _entry_key(row.kind, merged)
                if new_key != row.key:  # renamed: its conflicts follow it
                    for kind, key, field_name in list(standing):
                        if (kind, key) == (row.kind, row.key):
                            moved = standing.pop((kind, key, field_name))
                            moved.key = new_key
                            standing[kind, new_key, field_name] = moved
            for field_name, base_value, editor_value in found:
                standing[row.kind, row.key, field_name] = Conflict(
                    row.kind, row.key, field_name, base_value, editor_value, row.id
                )
        # The value that stands now: a later edit of the same field may have replaced the conflicting one.
        for conflict in standing.values():
            entry = find_entry(documents, conflict.kind, conflict.key)
            if entry is not None and conflict.field != WHOLE_ENTRY:
                conflict.editor_value = entry.get(conflict.field)
        return list(standing.values())

    def _drafts_applied(self, documents: dict[str, Any], editor: str, ids: list[int] | None = None) -> None:
        for draft in self.drafts(editor):
            if ids is not None and draft.id not in ids:
                continue
            current = find_entry(documents, draft.kind, draft.key)
            if draft.op == "delete":
                _set_entry(documents, draft.kind, draft.key, None)
            elif draft.after is not None:
                merged, _ = merge_entry(copy.deepcopy(current), draft.before, draft.after)
                _set_entry(documents, draft.kind, draft.key, merged)

    def documents(self, include_drafts_of: str | None = None) -> dict[str, Any]:
        """FILES name -> YAML document: the published catalogue, with that editor's drafts on top when given."""
        documents = copy.deepcopy(self._state().documents)
        if include_drafts_of is not None:
            self._drafts_applied(documents, include_drafts_of)
        return documents

    def entry(self, kind: str, key: str, editor: str | None = None) -> dict | None:
        """One entry as published (with the editor's draft when `editor` is given), or None."""
        _check_kind(kind)
        return find_entry(self.documents(editor), kind, key)

    def entries(self, kind: str, editor: str | None = None) -> list[dict]:
        """Every entry of a kind in file order (the point: a list of one)."""
        _check_kind(kind)
        file, list_name, key_field = KIND_FILES[kind]
        document = self.documents(editor).get(file) or {}
        if key_field is None:
            return [document[list_name]] if document.get(list_name) else []
        return list(document.get(list_name) or [])

    def published(self) -> Catalogue:
        """The published catalogue, loader-validated; CatalogueError when it does not load (cached per version)."""
        state = self._state()
        with _lock:
            if state.catalogue is None and state.error is None:
                try:
                    state.catalogue = load_documents(state.documents)
                except CatalogueError as exc:
                    state.error = exc
            if state.error is not None:
                raise state.error
            assert state.catalogue is not None
            return state.catalogue

    # --- drafts ---

    def save_draft(self, kind: str, key: str, entry: dict | None, editor: str, source: str = "editor") -> Draft:
        """Save the editor's draft of one entry (None: delete it); it replaces their open draft of that entry."""
        _check_kind(kind)
        key = POINT_KEY if kind == "point" else key
        if not key or len(key) > KEY_MAX:
            raise WorkspaceError("bad_key", f"a key of 1 to {KEY_MAX} characters, not {key!r}")
        if not editor or len(editor) > EDITOR_MAX or len(source) > SOURCE_MAX:
            raise WorkspaceError("bad_editor", "editor and source must be short names")
        if entry is not None and not isinstance(entry, dict):
            raise WorkspaceError("bad_entry", "an entry is a mapping of fields")
        if kind == "point" and entry is None:
            raise WorkspaceError("bad_entry", "the point cannot be deleted")
        # Refuse what cannot be stored, or is far larger than any real entry, before anything is written.
        if len(json.dumps(entry, default=str)) > ENTRY_MAX_CHARS:
            raise WorkspaceError("too_big", f"an entry of at most {ENTRY_MAX_CHARS} characters")
        with _lock, Session(self.engine) as session:
            open_draft = session.execute(
                select(CatalogueChange).where(
                    CatalogueChange.state == "draft",
                    CatalogueChange.editor == editor,
                    CatalogueChange.kind == kind,
                    CatalogueChange.key == key,
                )
            ).scalar_one_or_none()
            if open_draft is None:
                before = find_entry(self._state().documents, kind, key)
                if entry is None and before is None:
                    raise WorkspaceError("unknown_entry", f"no {kind} {key!r} to delete")
                open_draft = CatalogueChange(
                    editor=editor, kind=kind, key=key, before=_dumps(before), state="draft", source=source
                )
                session.add(open_draft)
            # The first draft's `before` stays: it is what the editor started from.
            open_draft.at = now_db()
            open_draft.op = "delete" if entry is None else "put"
            open_draft.after = _dumps(entry)
            open_draft.source = source
            session.commit()
            return _draft(open_draft)

    def drafts(self, editor: str | None = None) -> list[Draft]:
        """Open drafts (of one editor), oldest first."""
        query = select(CatalogueChange).where(CatalogueChange.state == "draft").order_by(CatalogueChange.id)
        if editor is not None:
            query = query.where(CatalogueChange.editor == editor)
        with Session(self.engine) as session:
            return [_draft(row) for row in session.execute(query).scalars()]

    def discard(self, draft_id: int, editor: str) -> None:
        """Set the editor's own draft aside; WorkspaceError when it is not theirs or not a draft."""
        with _lock, Session(self.engine) as session:
            row = session.get(CatalogueChange, draft_id)
            if row is None or row.state != "draft" or row.editor != editor:
                raise WorkspaceError("not_a_draft", f"no draft {draft_id} of {editor}")
            row.state = "discarded"
            session.commit()

    def check(self, editor: str, ids: list[int] | None = None) -> list[Problem]:
        """What the loader finds in the catalogue with the editor's drafts: [] means publishable."""
        documents = self.documents()
        self._drafts_applied(documents, editor, ids)
        try:
            load_documents(documents)
        except CatalogueError as exc:
            return exc.problems
        return []

    def publish(self, editor: str, ids: list[int] | None = None) -> list[Draft]:
        """Publish the editor's drafts (those of `ids`); CatalogueError with the problems, and nothing changes,
        when the catalogue with them would not load."""
        with _lock:
            chosen = [d for d in self.drafts(editor) if ids is None or d.id in ids]
            if not chosen:
                return []
            documents = self.documents()
            self._drafts_applied(documents, editor, [d.id for d in chosen])
            load_documents(documents)
            published = self._publish_rows(
                [(d.kind, d.key, d.op, d.before, d.after, d.editor, d.source, None, d.at) for d in chosen],
                editor,
                remove=[d.id for d in chosen],
            )
        return published

    def _publish_rows(
        self,
        rows: list[tuple[str, str, str, dict | None, dict | None, str, str, int | None, dt.datetime]],
        editor: str,
        remove: list[int] | None = None,
    ) -> list[Draft]:
        """New published rows (their ids give the order they apply in); the drafts they came from go."""
        now = now_db()
        with Session(self.engine) as session:
            made = []
            for kind, key, op, before, after, author, source, reverts, at in rows:
                row = CatalogueChange(
                    at=at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo else at,
                    editor=author,
                    kind=kind,
                    key=key,
                    op=op,
                    before=_dumps(before),
                    after=_dumps(after),
                    state="published",
                    published_at=now,
                    published_by=editor,
                    source=source,
                    reverts=reverts,
                )
                session.add(row)
                made.append(row)
            if remove:
                session.execute(delete(CatalogueChange).where(CatalogueChange.id.in_(list(remove))))
            session.commit()
            return [_draft(row) for row in made]

    # --- history ---

    def _changes(self, query_filter: Callable[[Any], Any] | None = None, limit: int = 200) -> list[Draft]:
        undo = aliased(CatalogueChange)
        reverted = select(undo.id).where(undo.reverts == CatalogueChange.id, undo.state == "published").exists()
        query = (
            select(CatalogueChange, reverted)
            .where(CatalogueChange.state == "published")
            .order_by(CatalogueChange.id.desc())
            .limit(limit)
        )
        if query_filter is not None:
            query = query_filter(query)
        with Session(self.engine) as session:
            return [_draft(row, bool(flag)) for row, flag in session.execute(query)]

    def history(self, kind: str | None = None, key: str | None = None, limit: int = 200) -> list[Draft]:
        """Published changes, newest first, of one kind and/or entry; `reverted` marks those undone."""

        def narrow(query: Any) -> Any:
            if kind is not None:
                query = query.where(CatalogueChange.kind == kind)
            if key is not None:
                query = query.where(CatalogueChange.key == key)
            return query

        return self._changes(narrow, limit)

    def change(self, change_id: int) -> Draft | None:
        """One published change, or None."""
        found = self._changes(lambda q: q.where(CatalogueChange.id == change_id), 1)
        return found[0] if found else None

    def revert(self, change_id: int, editor: str) -> Draft:
        """Publish the change that undoes this one, at once (validated as any publish)."""
        with _lock:
            change = self.change(change_id)
            if change is None:
                raise WorkspaceError("unknown", f"no published change {change_id}")
            if change.reverted:
                raise WorkspaceError("already_reverted", f"change {change_id} is already reverted")
            documents = self.documents()
            # A put may have renamed the entry: it is found by the key it was given.
            key = _entry_key(change.kind, change.after) if change.op == "put" and change.after else change.key
            current = find_entry(documents, change.kind, key)
            if change.op == "delete":
                if change.before is None or current is not None:
                    raise WorkspaceError("exists", f"{change.kind} {change.key!r} exists again")
                op, before, after = "put", None, change.before
            elif change.before is None:
                if current is None:
                    raise WorkspaceError("gone", f"{change.kind} {key!r} is gone already")
                op, before, after = "delete", current, None
            else:
                if current is None:
                    raise WorkspaceError("gone", f"{change.kind} {key!r} is gone")
                # Only the fields the change made go back; later changes of other fields stay.
                after = dict(current)
                old, new = change.before, change.after or {}
                for name in {*old, *new}:
                    if old.get(name, _MISSING) != new.get(name, _MISSING):
                        if name in old:
                            after[name] = old[name]
                        else:
                            after.pop(name, None)
                op, before = "put", current
            _set_entry(documents, change.kind, key, after)
            load_documents(documents)
            [made] = self._publish_rows(
                [(change.kind, key, op, before, after, editor, "revert", change_id, dt.datetime.now(UTC))], editor
            )
        return made

    def conflicts(self) -> list[Conflict]:
        """Fields of published changes that the repository base changed too (the editor's value stands)."""
        return list(self._state().conflicts)

    def resolve(self, change_id: int, field_name: str, editor: str, keep: str = "editor") -> Draft:
        """Settle one conflict, published at once: keep the editor's value, or take the repository's."""
        if keep not in ("editor", "repository"):
            raise WorkspaceError("bad_keep", "keep 'editor' or 'repository'")
        conflict = next((c for c in self.conflicts() if c.change_id == change_id and c.field == field_name), None)
        if conflict is None:
            raise WorkspaceError("unknown", f"no conflict of change {change_id} on {field_name!r}")
        with _lock:
            documents = self.documents()
            kind, key = conflict.kind, conflict.key
            current = find_entry(documents, kind, key)
            base = find_entry(self.base_documents(), kind, key)
            op = "put"
            if field_name == WHOLE_ENTRY:
                before, after = (current, base) if keep == "repository" else (base, current)
                if after is None:
                    op, after = "delete", None
            else:
                assert current is not None  # a field conflict is of an entry that exists
                theirs = conflict.base_value
                before, after = dict(current), dict(current)
                # The row names the base value it settles: as what it writes, or as what it replaced.
                target = after if keep == "repository" else before
                if theirs is None:
                    target.pop(field_name, None)
                else:
                    target[field_name] = theirs
            _set_entry(documents, kind, key, after)
            load_documents(documents)
            [made] = self._publish_rows(
                [(kind, key, op, before, after, editor, RESOLVE, None, dt.datetime.now(UTC))], editor
            )
        return made

    # --- export ---

    def export_files(self) -> dict[str, str]:
        """'life_situations.yml' -> YAML text, for every file of catalogue/data/, as published."""
        documents = self.documents()
        return {
            f"{name}.yml": yaml.safe_dump(documents[name], allow_unicode=True, sort_keys=False)
            for name in FILES
            if name in documents
        }


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise WorkspaceError("bad_kind", f"unknown kind {kind!r}")


def check_seconds_setting() -> float:
    """CATALOGUE_CHECK_SECONDS: how often a running process looks for a publish (default 2 s)."""
    return float(os.environ.get("CATALOGUE_CHECK_SECONDS") or DEFAULT_CHECK_SECONDS)


class LiveCatalogue:
    """The catalogue a running process serves: reloaded when something is published; a bad one never replaces it."""

    def __init__(
        self,
        workspace: CatalogueWorkspace,
        check_seconds: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.workspace = workspace
        self.check_seconds = check_seconds_setting() if check_seconds is None else check_seconds
        self.clock = clock
        # Why the newest published catalogue is not the one served: the loader's problems, or None.
        self.error: list[Problem] | None = None
        self._catalogue: Catalogue | None = None
        self._version: str | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    @property
    def error_text(self) -> str:
        """The problems as the loader words them, one per line; '' when the newest catalogue serves."""
        return "\n".join(p.message for p in self.error or [])

    def get(self) -> Catalogue:
        """The catalogue to answer with now: the newest published one that loads."""
        current = self._catalogue
        if current is not None and self.clock() - self._checked < self.check_seconds:
            return current
        with self._lock:
            if self._catalogue is not None and self.clock() - self._checked < self.check_seconds:
                return self._catalogue
            self._checked = self.clock()
            try:
                version = self.workspace.version()
            except Exception:  # the database away for a moment: keep answering with what we have
                if self._catalogue is None:
                    raise
                log.warning("catalogue: could not look for a publish; serving the catalogue loaded before")
                return self._catalogue
            if version == self._version and self._catalogue is not None:
                return self._catalogue
            try:
                self._catalogue = self.workspace.published()
                self.error = None
            except CatalogueError as exc:
                if self._catalogue is None:
                    # Starting with a published catalogue that does not load: the repository's own serves.
                    self._catalogue = load_documents(self.workspace.base_documents())
                if exc.problems != self.error:
                    log.error("catalogue: the published catalogue does not load, the previous one serves:\n%s", exc)
                self.error = exc.problems
            self._version = version
            return self._catalogue
