"""Training jobs: the queue, stages from the log, cancel, unchanged data, a restart; one real `rasa train`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from service_catalogue.loader import Catalogue, CatalogueError
from service_catalogue.rasa_topics import GENERATED
from store.db import open_database
from tests.training.conftest import add_service, catalogue_with, no_intent
from training import jobs
from training.bank import ModelBank
from training.data import TrainingData, TrainingFiles
from training.jobs import ProgressParser, TrainingRunner, expected_components

# What rasa 3.6 prints while training (the lines the parser reads), then the model file.
FAKE_TRAIN = textwrap.dedent(
    """
    import sys, time, pathlib
    out, name, pause = pathlib.Path(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    lines = [
        "INFO rasa.cli.train - Started validating domain and training data...",
        "INFO rasa.validator - No story structure conflicts found.",
        "INFO rasa.engine.training.hooks - Starting to train component 'CountVectorsFeaturizer'.",
        "INFO rasa.engine.training.hooks - Finished training component 'CountVectorsFeaturizer'.",
        "INFO rasa.engine.training.hooks - Starting to train component 'RulePolicy'.",
        "INFO rasa.engine.training.hooks - Finished training component 'RulePolicy'.",
    ]
    for line in lines:
        print(line, flush=True)
        time.sleep(pause)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.tar.gz").write_bytes(b"model " + name.encode())
    print(f"Your Rasa model is trained and saved at '{out}/{name}.tar.gz'.", flush=True)
    """
)


@pytest.fixture
def engine(tmp_path):
    return open_database(f"sqlite:///{tmp_path}/app.db")


def fake_runner(engine, directory: Path, pause: float = 0.0, **options) -> TrainingRunner:
    script = directory.parent / "fake_train.py"
    script.write_text(FAKE_TRAIN)

    def command(files: TrainingFiles, out: Path, name: str) -> list[str]:
        assert (files.nlu / "fi").is_dir()  # the merged data was exported
        assert (files.domain / GENERATED).is_file() and (files.data / GENERATED).is_file()  # and the topics
        return [sys.executable, str(script), str(out), name, str(pause)]

    return TrainingRunner(engine, directory, command=command, poll_seconds=0.05, flush_seconds=0.05, **options)


def test_parser_maps_rasa_lines_to_stages():
    total, policies = expected_components()
    assert "RulePolicy" in policies and total >= 5
    parser = ProgressParser(3, {"RulePolicy"})
    assert parser.feed("2026 INFO rasa.cli.train  - Started validating domain and training data...") == (
        "validating",
        5,
    )
    assert parser.feed("INFO rasa.validator  - No story structure conflicts found.")[0] == "reading_data"  # type: ignore[index]
    assert parser.feed("Starting to train component 'RegexFeaturizer'.") == ("component:RegexFeaturizer", 20)
    stage, percent = parser.feed("\x1b[0mRestored component 'RegexFeaturizer' from cache.")  # type: ignore[misc]
    assert stage == "component:RegexFeaturizer" and 20 < percent < 85
    assert parser.feed("Starting to train component 'RulePolicy'.")[0] == "policy:RulePolicy"  # type: ignore[index]
    parser.feed("Finished training component 'RulePolicy'.")
    assert parser.feed("Finished training component 'X'.") == ("saving", 85)
    assert parser.feed("some other line") is None


def test_a_job_trains_and_ends_ready_with_its_log(engine, tmp_path):
    directory = tmp_path / "models"
    runner = fake_runner(engine, directory)
    bank = ModelBank(engine, directory)
    job = bank.request("editor")
    assert asyncio.run(runner.run_once())
    record = bank.get(job.id)
    assert record is not None
    assert record.state == "ready", record.log
    assert record.progress == 100 and record.path == directory / "model-00001.tar.gz"
    assert record.size == len(b"model model-00001") and record.sha256 and record.data_checksum
    assert "Starting to train component 'RulePolicy'" in record.log
    assert not (directory / "work" / record.name).exists()
    assert not asyncio.run(runner.run_once())  # nothing queued


def test_same_data_as_the_active_model_is_not_trained_again(engine, tmp_path):
    directory = tmp_path / "models"
    runner = fake_runner(engine, directory)
    bank = ModelBank(engine, directory)
    first = bank.request("editor")
    asyncio.run(runner.run_once())
    bank.activate(first.id, "editor")
    again = bank.request("editor")
    asyncio.run(runner.run_once())
    record = bank.get(again.id)
    assert record is not None and record.state == "failed" and record.error == "unchanged"
    assert record.file_name is None


def test_failed_training_keeps_the_log(engine, tmp_path):
    directory = tmp_path / "models"

    def command(files, out, name):
        return [sys.executable, "-c", "import sys; print('InvalidConfigException: bad'); sys.exit(1)"]

    runner = TrainingRunner(engine, directory, command=command, flush_seconds=0.05)
    bank = ModelBank(engine, directory)
    job = bank.request("editor")
    asyncio.run(runner.run_once())
    record = bank.get(job.id)
    assert record is not None and record.state == "failed" and record.error == "exit_1"
    assert "InvalidConfigException" in record.log


def test_cancel_stops_the_process_group_and_the_queue_goes_on(engine, tmp_path):
    directory = tmp_path / "models"
    runner = fake_runner(engine, directory, pause=2.0)
    bank = ModelBank(engine, directory)
    first, second = bank.request("a"), bank.request("b")

    async def scenario():
        task = asyncio.create_task(runner.run_once())
        for _ in range(200):
            await asyncio.sleep(0.05)
            record = bank.get(first.id)
            if record and record.process_pid:
                break
        record = bank.get(first.id)
        assert record is not None and record.state == "training" and record.process_pid
        pid = record.process_pid
        assert [r.id for r in bank.queue()] == [second.id]  # the second waits, visibly
        bank.cancel(first.id)
        started = asyncio.get_running_loop().time()
        await task
        assert asyncio.get_running_loop().time() - started < 5
        return pid

    pid = asyncio.run(scenario())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    record = bank.get(first.id)
    assert record is not None and record.state == "failed" and record.error == "cancelled"
    assert bank.get(second.id).state == "queued"  # type: ignore[union-attr]


def test_a_job_of_a_web_app_that_went_away_ends_failed_on_start_up(engine, tmp_path):
    directory = tmp_path / "models"
    bank = ModelBank(engine, directory)
    job = bank.request("a")
    # A training process whose web worker is gone (a pid that is no longer running).
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    trainer = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    bank.claim_next("this-host", gone.pid)
    bank.set_process(job.id, trainer.pid)
    bank.append_log(job.id, "Starting to train component 'RegexFeaturizer'.\n")
    runner = fake_runner(engine, directory, host="this-host")
    assert runner.reap() == [job.id]
    assert trainer.wait(timeout=10) != 0  # stopped, not left running
    record = bank.get(job.id)
    assert record is not None and record.state == "failed" and record.error == "interrupted"
    assert "RegexFeaturizer" in record.log


@pytest.mark.skipif(not jobs.RASA.exists(), reason="needs the Rasa environment (.venv-rasa)")
def test_real_rasa_train_of_the_repository_data(engine, tmp_path, monkeypatch):
    """One real `rasa train` (about a minute on 2 cores; Rasa's cache in .rasa/ makes a repeat faster)."""
    directory = tmp_path / "models"
    runner = TrainingRunner(engine, directory, poll_seconds=0.1)
    bank = ModelBank(engine, directory)
    job = bank.request("editor")
    stages: set[str] = set()
    # Every stage the job sets, also one that passes between two polls (validating takes milliseconds
    # without `rasa data validate`, which this runner is not given).
    set_stage = ModelBank.set_stage

    def recorded(self, model_id, stage, progress):
        stages.add(stage.split(":")[0])
        set_stage(self, model_id, stage, progress)

    monkeypatch.setattr(ModelBank, "set_stage", recorded)

    async def scenario():
        task = asyncio.create_task(runner.run_once())
        while not task.done():
            record = bank.get(job.id)
            if record and record.stage:
                stages.add(record.stage.split(":")[0])
            await asyncio.sleep(0.2)
        await task

    asyncio.run(asyncio.wait_for(scenario(), timeout=300))
    record = bank.get(job.id)
    assert record is not None
    assert record.state == "ready", record.log[-3000:]
    assert record.path is not None and record.path.stat().st_size > 100_000
    # With Rasa's cache (.rasa/) the components are restored in milliseconds: their stages pass between polls.
    assert {"validating", "reading_data", "saving"} <= stages, stages
    assert "Starting to train component" in record.log or "Restored component" in record.log


def test_data_that_fails_validation_is_not_trained(engine, tmp_path):
    async def refuse(files: TrainingFiles) -> tuple[bool, str]:
        assert (files.nlu / "fi").is_dir()  # Rasa checks the merged data the training would use
        return False, "UserWarning: Issues found in the training data\n"

    directory = tmp_path / "models"
    runner = fake_runner(engine, directory, validate=refuse)
    bank = ModelBank(engine, directory)
    job = bank.request("editor")
    assert asyncio.run(runner.run_once())
    record = bank.get(job.id)
    assert record is not None and record.state == "failed" and record.error == "invalid_data"
    assert "Issues found" in record.log and record.path is None


def test_rasa_train_command_trains_the_exported_folders(tmp_path):
    files = TrainingFiles(tmp_path / "domain", tmp_path / "data", tmp_path / "nlu")
    command = jobs.rasa_train_command(files, tmp_path / "models", "model-00007")
    assert command[command.index("--domain") + 1] == str(files.domain)
    assert command[command.index("--data") + 1 : command.index("--data") + 3] == [str(files.data), str(files.nlu)]
    assert command[:3] == ["nice", "-n", "10"] and command[-2:] == ["--fixed-model-name", "model-00007"]
    assert "--skip-validation" in command  # the job ran `rasa data validate` on the same files just before


def exporting_runner(engine, directory: Path, seen: dict, **options) -> TrainingRunner:
    """A runner whose training only reads what the job exported (into `seen`) and writes a model file."""
    script = directory.parent / "fake_train.py"
    script.write_text(FAKE_TRAIN)

    def command(files: TrainingFiles, out: Path, name: str) -> list[str]:
        seen["domain"] = (files.domain / GENERATED).read_text(encoding="utf-8")
        seen["rules"] = (files.data / GENERATED).read_text(encoding="utf-8")
        seen["nlu"] = "".join(p.read_text(encoding="utf-8") for p in sorted(files.nlu.rglob("*.yml")))
        seen["own"] = sorted(p.name for p in files.domain.glob("*.yml"))
        return [sys.executable, str(script), str(out), name, "0"]

    return TrainingRunner(engine, directory, command=command, poll_seconds=0.05, flush_seconds=0.05, **options)


def test_a_job_trains_a_new_topic_of_the_catalogue_with_its_examples(engine, tmp_path):
    cat = catalogue_with(tmp_path / "catalogue", add_service("test_municipal", "service_test_municipal"))
    data = TrainingData(engine, topics_source=lambda: cat)
    for lang in ("fi", "sv", "en"):
        data.add("service_test_municipal", lang, f"testikunnan oma palvelu {lang}", "eero")
    seen: dict = {}
    directory = tmp_path / "models"
    runner = exporting_runner(engine, directory, seen, topics_source=lambda: cat)
    bank = ModelBank(engine, directory)
    job = bank.request("editor")
    assert asyncio.run(runner.run_once())
    record = bank.get(job.id)
    assert record is not None and record.state == "ready", record.log
    assert "- service_test_municipal" in seen["domain"] and "intent: service_test_municipal" in seen["rules"]
    assert "testikunnan oma palvelu sv" in seen["nlu"]
    assert "core.yml" in seen["own"] and GENERATED in seen["own"]
    # The checksum is the job's catalogue's: the same data as the repository's would be another model.
    assert record.data_checksum == data.checksum() != jobs.data_checksum(engine)


def test_a_job_leaves_out_a_topic_the_catalogue_no_longer_has(engine, tmp_path):
    cat = catalogue_with(tmp_path / "catalogue", no_intent("passport"))
    seen: dict = {}
    runner = exporting_runner(engine, tmp_path / "models", seen, topics_source=lambda: cat)
    bank = ModelBank(engine, tmp_path / "models")
    job = bank.request("editor")
    assert asyncio.run(runner.run_once())
    assert bank.get(job.id).state == "ready"  # type: ignore[union-attr]
    assert "service_passport" not in seen["domain"] + seen["rules"] + seen["nlu"]
    assert "service_identity_card" in seen["domain"] and "service_identity_card" in seen["nlu"]


def test_a_new_topic_makes_the_active_model_stale(engine, tmp_path):
    directory = tmp_path / "models"
    bank = ModelBank(engine, directory)
    first = bank.request("editor")
    asyncio.run(fake_runner(engine, directory).run_once())
    bank.activate(first.id, "editor")
    cat = catalogue_with(tmp_path / "catalogue", add_service("test_municipal", "service_test_municipal"))
    again = bank.request("editor")
    asyncio.run(fake_runner(engine, directory, topics_source=lambda: cat).run_once())
    record = bank.get(again.id)
    assert record is not None and record.state == "ready", record.log  # trained, not "unchanged"


def test_a_catalogue_that_does_not_load_fails_the_job_with_its_reason(engine, tmp_path):
    def broken() -> Catalogue:
        raise CatalogueError("services.yml: entry 'test_x': unknown authority 'test_nobody'")

    runner = fake_runner(engine, tmp_path / "models", topics_source=broken)
    bank = ModelBank(engine, tmp_path / "models")
    job = bank.request("editor")
    assert asyncio.run(runner.run_once())
    record = bank.get(job.id)
    assert record is not None and record.state == "failed" and record.error == "invalid_data"
    assert "test_nobody" in record.log
