"""Training jobs: one `rasa train` at a time, in its own low-priority process, with stages and a log.

The runner is an asyncio task of the web app (started in kiosk_ui.app's lifespan). It polls the
bank for a queued job and claims it with a conditional UPDATE, so of several web workers only one
trains. The job exports what the model is trained from to a folder (bot/domain and bot/data with the
topics' intents and rules derived from the published catalogue, and the merged examples), runs
`nice -n 10 rasa train` on it as a separate process group (never inside a serving Rasa), reads its log
lines into stages and a percentage, stops the process group when the editor cancels, and hands the
trained file to the evaluation. Everything the page shows lives in the database, so a restarted web app finds the job;
a job whose web worker went away ends as failed with its log.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import re
import shutil
import signal
import socket
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy.engine import Engine

from service_catalogue.loader import Catalogue, CatalogueError
from training.bank import ModelBank, ModelRecord, file_sha256, process_alive
from training.data import TopicsSource, TrainingData, TrainingFiles, published_catalogue
from training.validation import check

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
CONFIG = ROOT / "config.yml"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# Pipeline entries that train nothing, so Rasa's hooks log no "Starting to train" for them.
NOT_TRAINED = ("SpacyNLP", "MitieNLP", "FallbackClassifier")

# The stages of a job and where each begins on the progress bar (percent).
PROGRESS = {"waiting": 0, "exporting": 2, "validating": 5, "reading_data": 15, "saving": 85, "evaluating": 90}
COMPONENTS_FROM, COMPONENTS_TO = 20, 84

Evaluator = Callable[[ModelRecord, Path], Awaitable[tuple[dict | None, bool]]]
Validator = Callable[[TrainingFiles], Awaitable[tuple[bool, str]]]
Command = Callable[[TrainingFiles, Path, str], Sequence[str]]


def data_checksum(engine: Engine, topics_source: TopicsSource | None = None) -> str:
    """The checksum of everything a model is trained from: the merged NLU data, config, domain and the
    catalogue's topics (a new or removed topic makes the active model stale)."""
    return TrainingData(engine, topics_source=topics_source).checksum()


def export_data(data: TrainingData, directory: Path) -> TrainingFiles:
    """Write the domain, the stories and rules and the merged NLU data into `directory`, emptied first."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    return data.export_training(directory)


def expected_components(config: Path = CONFIG) -> tuple[int, set[str]]:
    """How many graph components `rasa train` trains for this config, and which names are policies."""
    document = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    pipeline = [entry.get("name", "") for entry in document.get("pipeline") or []]
    policies = [entry.get("name", "") for entry in document.get("policies") or []]
    trained = [name for name in pipeline if name not in NOT_TRAINED and not name.endswith("Tokenizer")]
    return max(1, len(trained) + len(policies)), set(policies)


@dataclass
class ProgressParser:
    """Turns `rasa train`'s log lines into stages (rasa 3.6: rasa/cli/train.py, rasa/validator.py,
    rasa/engine/training/hooks.py) and a percentage."""

    total: int
    policies: set[str]
    done: int = 0

    START = re.compile(r"Starting to train component '(\w+)'")
    FINISH = re.compile(r"(?:Finished training|Restored) component '(\w+)'")

    def feed(self, line: str) -> tuple[str, int] | None:
        """The stage that begins with this line and its percentage, or None when the stage goes on."""
        line = ANSI.sub("", line)
        if "Started validating domain and training data" in line:
            return "validating", PROGRESS["validating"]
        if "No story structure conflicts found" in line or "Story structure validation" in line:
            return "reading_data", PROGRESS["reading_data"]
        span = COMPONENTS_TO - COMPONENTS_FROM
        if match := self.START.search(line):
            name = match.group(1)
            kind = "policy" if name in self.policies else "component"
            return f"{kind}:{name}", COMPONENTS_FROM + span * min(self.done, self.total) // self.total
        if match := self.FINISH.search(line):
            self.done += 1
            if self.done >= self.total:
                return "saving", PROGRESS["saving"]
            name = match.group(1)
            kind = "policy" if name in self.policies else "component"
            return f"{kind}:{name}", COMPONENTS_FROM + span * self.done // self.total
        if "Your Rasa model is trained and saved" in line:
            return "saving", PROGRESS["saving"]
        return None


def rasa_train_command(files: TrainingFiles, out_dir: Path, name: str) -> list[str]:
    """`rasa train` of the exported domain and data into the bank, at a lower priority than the serving processes.

    Without Rasa's own validation: the job has just run `rasa data validate` on the same files and config
    (TrainingRunner._valid), and a second run would cost the editor about half a minute more."""
    return [
        "nice",
        "-n",
        "10",
        str(RASA),
        "train",
        "--skip-validation",
        "--config",
        str(CONFIG),
        "--domain",
        str(files.domain),
        "--data",
        str(files.data),
        str(files.nlu),
        "--out",
        str(out_dir),
        "--fixed-model-name",
        name,
    ]


def kill_group(pid: int, sig: int = signal.SIGTERM) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


async def no_evaluation(record: ModelRecord, path: Path) -> tuple[dict | None, bool]:
    return None, False


class TrainingRunner:
    """Runs the bank's queued jobs one at a time; `command` and `evaluate` are swapped by tests."""

    def __init__(
        self,
        engine: Engine,
        directory: Path,
        *,
        command: Command = rasa_train_command,
        evaluate: Evaluator = no_evaluation,
        validate: Validator | None = None,
        topics_source: TopicsSource | None = None,
        poll_seconds: float = 1.0,
        flush_seconds: float = 1.0,
        host: str | None = None,
    ):
        self.engine = engine
        # Absolute: the training process runs in the repository, the web app wherever it was started.
        self.directory = Path(directory).resolve()
        self.bank = ModelBank(engine, self.directory)
        self.command = command
        self.evaluate = evaluate
        # `rasa data validate` on the exported folders (the web app passes training.validation's; ~20 s).
        self.validate = validate
        # The catalogue the topics' intents and rules are derived from (by default the published one).
        self.topics_source: TopicsSource = topics_source or functools.partial(published_catalogue, engine)
        self.poll_seconds = poll_seconds
        self.flush_seconds = flush_seconds
        self.host = host or socket.gethostname()
        self.pid = os.getpid()

    def reap(self) -> list[int]:
        """End the jobs of web workers that are gone (stopping their training process if still there)."""
        orphans = [
            r
            for r in self.bank.running()
            if r.runner_host == self.host and (r.runner_pid is None or not process_alive(r.runner_pid))
        ]
        for record in orphans:
            if record.process_pid:
                kill_group(record.process_pid, signal.SIGKILL)
        return self.bank.reap_orphans(self.host, process_alive)

    async def run_forever(self) -> None:
        """Poll for queued jobs until cancelled (the web app's shutdown)."""
        await asyncio.to_thread(self.reap)
        while True:
            try:
                done = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # a broken job must not stop the runner
                logger.exception("training runner")
                done = False
            if not done:
                await asyncio.sleep(self.poll_seconds)

    async def run_once(self) -> bool:
        """Claim and run one queued job; False when there was none to claim."""
        record = await asyncio.to_thread(self.bank.claim_next, self.host, self.pid)
        if record is None:
            return False
        try:
            await self.run_job(record)
        except asyncio.CancelledError:
            await asyncio.to_thread(self.bank.fail, record.id, "interrupted", "The web app stopped.\n")
            raise
        except Exception as exc:
            logger.exception("training job %s", record.id)
            await asyncio.to_thread(self.bank.fail, record.id, "error", f"{type(exc).__name__}: {exc}\n")
        return True

    async def run_job(self, record: ModelRecord) -> None:
        bank = self.bank
        work = self.directory / "work" / record.name
        await asyncio.to_thread(bank.set_stage, record.id, "exporting", PROGRESS["exporting"])
        try:
            cat = await asyncio.to_thread(self.topics_source)
        except CatalogueError as exc:
            await asyncio.to_thread(bank.fail, record.id, "invalid_data", f"catalogue: {exc}\n")
            return
        # One catalogue for the whole job, so the checksum, the export and the checks agree.
        data = TrainingData(self.engine, topics_source=lambda: cat)
        checksum = await asyncio.to_thread(data.checksum)
        await asyncio.to_thread(bank.set_checksum, record.id, checksum)
        active = await asyncio.to_thread(bank.active)
        if active is not None and active.data_checksum == checksum:
            await asyncio.to_thread(bank.unchanged, record.id, checksum)
            return
        files = await asyncio.to_thread(export_data, data, work)
        await asyncio.to_thread(bank.set_stage, record.id, "validating", PROGRESS["validating"])
        if not await self._valid(record, data, cat, files):
            shutil.rmtree(work, ignore_errors=True)
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        code = await self._train(record, files)
        shutil.rmtree(work, ignore_errors=True)
        current = await asyncio.to_thread(bank.get, record.id)
        if current is None or current.state != "training":
            return
        if current.cancel_requested:
            await asyncio.to_thread(bank.fail, record.id, "cancelled")
            return
        path = self.directory / f"{record.name}.tar.gz"
        if code != 0 or not path.is_file():
            await asyncio.to_thread(bank.fail, record.id, f"exit_{code}")
            return
        sha256 = await asyncio.to_thread(file_sha256, path)
        await asyncio.to_thread(bank.trained, record.id, path.name, path.stat().st_size, sha256)
        candidate = await asyncio.to_thread(bank.get, record.id)
        try:
            scores, regression = await self.evaluate(candidate or record, path)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            logger.exception("evaluation of model %s", record.id)
            await asyncio.to_thread(bank.append_log, record.id, f"evaluation failed: {type(exc).__name__}: {exc}\n")
            scores, regression = None, False
        current = await asyncio.to_thread(bank.get, record.id)
        if current is not None and current.cancel_requested:
            await asyncio.to_thread(bank.fail, record.id, "cancelled")
            return
        await asyncio.to_thread(bank.evaluated, record.id, scores, regression)

    async def _valid(self, record: ModelRecord, data: TrainingData, cat: Catalogue, files: TrainingFiles) -> bool:
        """The quick checks and `rasa data validate`; a failure ends the job as invalid_data, with the reasons."""
        findings = [f for f in await asyncio.to_thread(check, data, lambda: cat) if f.blocking]
        if findings:
            lines = "".join(
                f"{f.code}: {f.intent or ''} {f.language or ''} {f.text or f.detail or ''}\n" for f in findings
            )
            await asyncio.to_thread(self.bank.fail, record.id, "invalid_data", lines)
            return False
        if self.validate is None:
            return True
        ok, output = await self.validate(files)
        if not ok:
            await asyncio.to_thread(self.bank.fail, record.id, "invalid_data", output)
        return ok

    async def _train(self, record: ModelRecord, files: TrainingFiles) -> int:
        """Run the training process; its exit code (negative when stopped by a signal)."""
        bank = self.bank
        total, policies = expected_components()
        parser = ProgressParser(total, policies)
        # Validated already: the process begins by reading the data (no "Started validating" line to parse).
        await asyncio.to_thread(bank.set_stage, record.id, "reading_data", PROGRESS["reading_data"])
        env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
        process = await asyncio.create_subprocess_exec(
            *self.command(files, self.directory, record.name),
            cwd=ROOT,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # its own process group: cancel stops rasa and its children
        )
        await asyncio.to_thread(bank.set_process, record.id, process.pid)
        assert process.stdout is not None
        pending: list[str] = []
        last_flush = time.monotonic()
        cancelled = False

        async def flush() -> bool:
            """Write the new log lines; whether the editor asked to cancel."""
            nonlocal pending, last_flush
            text, pending = "".join(pending), []
            last_flush = time.monotonic()
            if text:
                await asyncio.to_thread(bank.append_log, record.id, text)
            current = await asyncio.to_thread(bank.get, record.id)
            return current is None or current.cancel_requested or current.state != "training"

        try:
            while True:
                try:
                    raw = await asyncio.wait_for(process.stdout.readline(), timeout=self.flush_seconds)
                except TimeoutError:
                    raw = None
                if raw == b"":
                    break
                if raw is not None:
                    line = ANSI.sub("", raw.decode("utf-8", "replace"))
                    pending.append(line)
                    stage = parser.feed(line)
                    if stage is not None:
                        await asyncio.to_thread(bank.set_stage, record.id, *stage)
                if time.monotonic() - last_flush >= self.flush_seconds and not cancelled and await flush():
                    cancelled = True
                    kill_group(process.pid)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(process.wait(), timeout=10)
                    kill_group(process.pid, signal.SIGKILL)
                    break
            await flush()
            return await process.wait()
        except asyncio.CancelledError:
            kill_group(process.pid, signal.SIGKILL)
            raise
        finally:
            await asyncio.to_thread(bank.set_process, record.id, None)
