"""The model bank: the queue, the claim, the job's life, activation and roll back."""

from __future__ import annotations

import pytest

from store.db import open_database
from training.bank import LOG_MAX_CHARS, ModelBank, bounded_log


@pytest.fixture
def bank(tmp_path) -> ModelBank:
    return ModelBank(open_database(f"sqlite:///{tmp_path}/app.db"), tmp_path / "models")


def trained(bank: ModelBank, by: str = "editor") -> int:
    """A model that went all the way to ready."""
    record = bank.request(by)
    claimed = bank.claim_next("host", 1)
    assert claimed is not None and claimed.id == record.id
    bank.trained(record.id, f"{record.name}.tar.gz", 10, f"{record.id:064d}")
    assert bank.evaluated(record.id, {"x": 1}, regression=False)
    return record.id


def test_empty_bank_has_no_active_model(bank):
    assert bank.active() is None
    assert bank.all() == []


def test_one_job_at_a_time_second_waits_in_the_queue(bank):
    first, second = bank.request("anna"), bank.request("bo")
    assert [r.id for r in bank.queue()] == [first.id, second.id]
    claimed = bank.claim_next("host", 1)
    assert claimed is not None and claimed.id == first.id and claimed.state == "training"
    # Another runner (a second web worker) gets nothing while the first job runs.
    assert bank.claim_next("host", 2) is None
    assert [r.id for r in bank.queue()] == [second.id]
    bank.fail(first.id, "exit_1", "boom\n")
    again = bank.claim_next("host", 2)
    assert again is not None and again.id == second.id


def test_activate_retires_the_previous_and_roll_back_is_activating_it_again(bank):
    first, second = trained(bank), trained(bank)
    active = bank.activate(first, "anna")
    assert active is not None and active.state == "active"
    assert bank.active().id == first
    assert bank.active().path == bank.directory / f"model-{first:05d}.tar.gz"
    bank.activate(second, "anna", reason="new examples")
    assert bank.active().id == second
    assert bank.get(first).state == "retired"
    # Roll back.
    bank.activate(first, "admin", reason="worse on Swedish", override=True)
    assert bank.active().id == first
    history = bank.activations()
    assert [(a.model_id, a.previous_model_id, a.by, a.override) for a in history] == [
        (first, second, "admin", True),
        (second, first, "anna", False),
        (first, None, "anna", False),
    ]


def test_only_a_trained_model_can_be_activated(bank):
    queued = bank.request("anna")
    assert bank.activate(queued.id, "anna") is None
    assert bank.activate(999, "anna") is None


def test_cancel_queued_at_once_running_through_the_runner(bank):
    queued, running = bank.request("a"), bank.request("b")
    bank.claim_next("host", 1)  # takes `queued` (the oldest)
    assert bank.cancel(running.id)
    assert bank.get(running.id).state == "failed"
    assert bank.cancel(queued.id)
    record = bank.get(queued.id)
    assert record is not None and record.state == "training" and record.cancel_requested


def test_orphaned_jobs_end_as_failed_with_their_log(bank):
    job = bank.request("a")
    bank.claim_next("host", 4242)
    bank.append_log(job.id, "Starting to train component 'X'.\n")
    assert bank.reap_orphans("other-host", alive=lambda pid: False) == []
    assert bank.reap_orphans("host", alive=lambda pid: True) == []
    assert bank.reap_orphans("host", alive=lambda pid: False) == [job.id]
    record = bank.get(job.id)
    assert record is not None and record.state == "failed" and record.error == "interrupted"
    assert "Starting to train" in record.log


def test_the_log_is_bounded():
    log = bounded_log("", "line\n" * (LOG_MAX_CHARS // 2))
    assert len(log) <= LOG_MAX_CHARS
    assert log.startswith("line\n")


def test_the_repository_model_is_adopted_once_and_can_be_rolled_back_to(bank, tmp_path):
    original = tmp_path / "assistant.tar.gz"
    original.write_bytes(b"the repository's model")
    adopted = bank.adopt(original)
    assert adopted is not None and adopted.state == "ready" and adopted.started_by == "repository"
    assert adopted.path is not None and adopted.path.read_bytes() == b"the repository's model"
    assert bank.adopt(original) == adopted  # the same content is one model
    newer = trained(bank)
    assert bank.activate(newer, "eeva") is not None
    original.write_bytes(b"retrained by make model")  # the bank keeps its own copy
    rolled_back = bank.activate(adopted.id, "eeva", reason="back to the original")
    assert rolled_back is not None and rolled_back.state == "active"
    assert rolled_back.path is not None and rolled_back.path.read_bytes() == b"the repository's model"
    assert bank.adopt(tmp_path / "missing.tar.gz") is None
