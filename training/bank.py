"""The model bank: every trained model with its state, scores and file.

The queue, the training jobs and the trained models are rows of one table (store.model_bank): a
request is a `queued` row, a runner claims it with a conditional UPDATE (so two web workers never
train two at once), the job writes its stage, progress and log there, and a finished model gets its
file, checksum and scores. Activating a model is a row update too: every Rasa instance pulls the
active model from the web app's model server (kiosk_ui.routers.model_server).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import exists, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, aliased

from store.model_bank import ModelActivation, TrainedModel
from store.rows import UTC, now_db, rowcount

# The model `make model` trains from the repository's data: served while the bank has no active model.
REPO_MODEL = Path(__file__).resolve().parents[1] / "models" / "assistant.tar.gz"
# Who "started" a model the bank adopted from the repository (training.bank.ModelBank.adopt).
REPOSITORY = "repository"
CHUNK = 1024 * 1024
_digests: dict[tuple[str, int, int], str] = {}
_digests_lock = threading.Lock()

# The job's log keeps its last lines only: enough to see why a training failed.
LOG_MAX_CHARS = 20_000
RUNNING = ("training", "evaluating")
# A model that was trained and can be (re)activated: roll back is activating one of these.
ACTIVATABLE = ("ready", "retired")


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def file_sha256(path: Path) -> str:
    """The file's sha256, computed once per (path, mtime, size): a model file is never rewritten in place."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    with _digests_lock:
        if key in _digests:
            return _digests[key]
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    value = digest.hexdigest()
    with _digests_lock:
        _digests.clear()  # one repo model at a time: an older mtime is never asked again
        _digests[key] = value
    return value


def repository_model() -> Path:
    """The repository's trained model (a function, so tests can point it elsewhere)."""
    return REPO_MODEL


def bounded_log(log: str, more: str = "") -> str:
    """The log with `more` appended, cut at the front to LOG_MAX_CHARS (at a line start)."""
    text = log + more
    if len(text) <= LOG_MAX_CHARS:
        return text
    text = text[-LOG_MAX_CHARS:]
    newline = text.find("\n")
    return text[newline + 1 :] if 0 <= newline < 200 else text


@dataclass(frozen=True)
class Activation:
    """One activation of a model: who, when, why, and whether an admin overrode the regression gate."""

    id: int
    model_id: int
    previous_model_id: int | None
    at: dt.datetime
    by: str
    reason: str
    override: bool


@dataclass(frozen=True)
class ModelRecord:
    """A model of the bank as plain data; times are aware UTC. `path` is its file (None until trained)."""

    id: int
    state: str
    started_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    data_checksum: str | None
    file_name: str | None
    size: int | None
    sha256: str | None
    scores: dict | None
    regression: bool
    stage: str | None
    progress: int
    stage_started_at: dt.datetime | None
    log: str
    error: str | None
    runner_host: str | None
    runner_pid: int | None
    process_pid: int | None
    cancel_requested: bool
    path: Path | None = field(default=None)

    @property
    def name(self) -> str:
        """The model's name, also its file's stem (rasa train --fixed-model-name)."""
        return model_name(self.id)


def model_name(model_id: int) -> str:
    """model-00007 for model 7."""
    return f"model-{model_id:05d}"


class ModelBank:
    """Models in the app database, their files under `directory`."""

    def __init__(self, engine: Engine, directory: Path):
        self.engine = engine
        self.directory = Path(directory)

    # Reading

    def _record(self, row: TrainedModel) -> ModelRecord:
        return ModelRecord(
            id=row.id,
            state=row.state,
            started_by=row.started_by,
            created_at=_aware(row.created_at) or row.created_at,
            started_at=_aware(row.started_at),
            finished_at=_aware(row.finished_at),
            data_checksum=row.data_checksum,
            file_name=row.file_name,
            size=row.size,
            sha256=row.sha256,
            scores=row.scores,
            regression=bool(row.regression),
            stage=row.stage,
            progress=row.progress or 0,
            stage_started_at=_aware(row.stage_started_at),
            log=row.log or "",
            error=row.error,
            runner_host=row.runner_host,
            runner_pid=row.runner_pid,
            process_pid=row.process_pid,
            cancel_requested=bool(row.cancel_requested),
            path=self.directory / row.file_name if row.file_name else None,
        )

    def get(self, model_id: int) -> ModelRecord | None:
        with Session(self.engine) as session:
            row = session.get(TrainedModel, model_id)
            return self._record(row) if row is not None else None

    def all(self, limit: int = 200) -> list[ModelRecord]:
        """The newest models first."""
        with Session(self.engine) as session:
            rows = session.execute(select(TrainedModel).order_by(TrainedModel.id.desc()).limit(limit)).scalars()
            return [self._record(row) for row in rows]

    def active(self) -> ModelRecord | None:
        """The model every Rasa instance should run, or None (then the repo's models/assistant.tar.gz)."""
        with Session(self.engine) as session:
            row = session.execute(
                select(TrainedModel).where(TrainedModel.state == "active").order_by(TrainedModel.id.desc()).limit(1)
            ).scalar_one_or_none()
            return self._record(row) if row is not None else None

    def queue(self) -> list[ModelRecord]:
        """Jobs waiting to train, first come first."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(TrainedModel).where(TrainedModel.state == "queued").order_by(TrainedModel.id)
            ).scalars()
            return [self._record(row) for row in rows]

    def running(self) -> list[ModelRecord]:
        """Jobs training or evaluating now (one at most, unless a runner went away)."""
        with Session(self.engine) as session:
            rows = session.execute(select(TrainedModel).where(TrainedModel.state.in_(RUNNING))).scalars()
            return [self._record(row) for row in rows]

    def by_sha256(self, sha256: str) -> ModelRecord | None:
        with Session(self.engine) as session:
            row = session.execute(
                select(TrainedModel).where(TrainedModel.sha256 == sha256).order_by(TrainedModel.id.desc()).limit(1)
            ).scalar_one_or_none()
            return self._record(row) if row is not None else None

    def activations(self, model_id: int | None = None) -> list[Activation]:
        """Activations, newest first; of one model when `model_id` is given."""
        with Session(self.engine) as session:
            query = select(ModelActivation).order_by(ModelActivation.id.desc())
            if model_id is not None:
                query = query.where(ModelActivation.model_id == model_id)
            return [
                Activation(
                    id=row.id,
                    model_id=row.model_id,
                    previous_model_id=row.previous_model_id,
                    at=_aware(row.at) or row.at,
                    by=row.by,
                    reason=row.reason,
                    override=bool(row.override),
                )
                for row in session.execute(query.limit(200)).scalars()
            ]

    # The job's life

    def request(self, started_by: str) -> ModelRecord:
        """Queue a training; the runner picks it up."""
        with Session(self.engine) as session:
            row = TrainedModel(state="queued", started_by=started_by, created_at=now_db(), log="", progress=0)
            session.add(row)
            session.commit()
            return self._record(row)

    def claim_next(self, runner_host: str, runner_pid: int) -> ModelRecord | None:
        """Take the oldest queued job for this runner, unless a job is training or evaluating already.

        One conditional UPDATE: of two runners (web workers) polling at once, only one gets the row.
        """
        other = aliased(TrainedModel)
        with Session(self.engine) as session:
            first = session.execute(
                select(TrainedModel.id).where(TrainedModel.state == "queued").order_by(TrainedModel.id).limit(1)
            ).scalar_one_or_none()
            if first is None:
                return None
            now = now_db()
            result = session.execute(
                update(TrainedModel)
                .where(
                    TrainedModel.id == first,
                    TrainedModel.state == "queued",
                    ~exists().where(other.state.in_(RUNNING)),
                )
                .values(
                    state="training",
                    started_at=now,
                    stage="waiting",
                    stage_started_at=now,
                    progress=0,
                    runner_host=runner_host,
                    runner_pid=runner_pid,
                )
                .execution_options(synchronize_session=False)
            )
            session.commit()
            if rowcount(result) != 1:
                return None
        return self.get(first)

    def _update(self, model_id: int, **values) -> None:
        with Session(self.engine) as session:
            session.execute(
                update(TrainedModel)
                .where(TrainedModel.id == model_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            session.commit()

    def set_checksum(self, model_id: int, checksum: str) -> None:
        self._update(model_id, data_checksum=checksum)

    def set_process(self, model_id: int, pid: int | None) -> None:
        self._update(model_id, process_pid=pid)

    def set_stage(self, model_id: int, stage: str, progress: int) -> None:
        """A new stage of the job has begun."""
        self._update(model_id, stage=stage, progress=max(0, min(100, progress)), stage_started_at=now_db())

    def append_log(self, model_id: int, text: str) -> None:
        if not text:
            return
        with Session(self.engine) as session:
            row = session.get(TrainedModel, model_id)
            if row is None:
                return
            row.log = bounded_log(row.log or "", text)
            session.commit()

    def trained(self, model_id: int, file_name: str, size: int, sha256: str) -> None:
        """Training made its file: evaluation comes next."""
        self._update(
            model_id, state="evaluating", file_name=file_name, size=size, sha256=sha256, stage="evaluating", progress=90
        )

    def evaluated(self, model_id: int, scores: dict | None, regression: bool) -> bool:
        """The job is done: the model is ready to activate. False when it was cancelled meanwhile."""
        with Session(self.engine) as session:
            result = session.execute(
                update(TrainedModel)
                .where(TrainedModel.id == model_id, TrainedModel.state.in_(RUNNING))
                .values(
                    state="ready",
                    scores=scores,
                    regression=regression,
                    stage="done",
                    progress=100,
                    finished_at=now_db(),
                    process_pid=None,
                )
                .execution_options(synchronize_session=False)
            )
            session.commit()
            return rowcount(result) == 1

    def fail(self, model_id: int, error: str, log: str = "") -> None:
        """The job ended without a model: an error code (cancelled, interrupted, exit_1, …) and its log."""
        with Session(self.engine) as session:
            row = session.get(TrainedModel, model_id)
            if row is None or row.state not in ("queued", *RUNNING):
                return
            row.state = "failed"
            row.error = error[:64]
            row.finished_at = now_db()
            row.process_pid = None
            row.log = bounded_log(row.log or "", log)
            session.commit()

    def unchanged(self, model_id: int, checksum: str) -> None:
        """The data equals the active model's: nothing to train."""
        with Session(self.engine) as session:
            row = session.get(TrainedModel, model_id)
            if row is None:
                return
            row.state = "failed"
            row.error = "unchanged"
            row.data_checksum = checksum
            row.finished_at = now_db()
            session.commit()

    def cancel(self, model_id: int) -> bool:
        """Cancel a queued job at once, or ask the runner of a running one to stop its process."""
        with Session(self.engine) as session:
            row = session.get(TrainedModel, model_id)
            if row is None:
                return False
            if row.state == "queued":
                row.state, row.error, row.finished_at = "failed", "cancelled", now_db()
            elif row.state in RUNNING:
                row.cancel_requested = True
            else:
                return False
            session.commit()
            return True

    def reap_orphans(self, host: str, alive: Callable[[int], bool]) -> list[int]:
        """Jobs of this host whose runner (web worker) is gone end as failed with their log, never as ghosts.

        Their training process, if still there, is the caller's to stop (it has `process_pid`).
        """
        reaped = []
        for record in self.running():
            if record.runner_host == host and (record.runner_pid is None or not alive(record.runner_pid)):
                self.fail(record.id, "interrupted")
                reaped.append(record.id)
        return reaped

    # Activation

    def activate(self, model_id: int, by: str, reason: str = "", override: bool = False) -> ModelRecord | None:
        """Make a trained model the active one; the previous active model is retired. None if it cannot be."""
        with Session(self.engine) as session:
            row = session.get(TrainedModel, model_id)
            if row is None or row.state not in ACTIVATABLE or not row.file_name:
                return None
            previous = session.execute(select(TrainedModel).where(TrainedModel.state == "active")).scalars().all()
            for old in previous:
                old.state = "retired"
            row.state = "active"
            session.add(
                ModelActivation(
                    model_id=model_id,
                    previous_model_id=previous[0].id if previous else None,
                    at=now_db(),
                    by=by,
                    reason=reason,
                    override=override,
                )
            )
            session.commit()
        return self.get(model_id)

    def adopt(self, path: Path, started_by: str = REPOSITORY) -> ModelRecord | None:
        """Keep a model trained outside the bank (`make model`'s) as a ready bank model, once per file content.

        The bank then holds the model customers had before any editor trained one, so rolling back to it
        is activating it like any other. Its file is copied: `make model` may overwrite the original.
        """
        if not path.is_file():
            return None
        sha256 = file_sha256(path)
        known = self.by_sha256(sha256)
        if known is not None:
            return known
        finished = dt.datetime.fromtimestamp(path.stat().st_mtime, UTC)
        with Session(self.engine) as session:
            row = TrainedModel(
                state="ready", started_by=started_by, created_at=now_db(), finished_at=finished.replace(tzinfo=None),
                log="", progress=100, stage="done",
            )  # fmt: skip
            session.add(row)
            session.flush()
            file_name = f"{model_name(row.id)}.tar.gz"
            self.directory.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.directory / file_name)
            row.file_name, row.size, row.sha256 = file_name, path.stat().st_size, sha256
            session.commit()
            return self._record(row)

    def file_path(self, record: ModelRecord) -> Path | None:
        return record.path


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
