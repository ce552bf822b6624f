"""Validation before training: catalogue errors, too few examples, one example in two intents, Rasa's own check."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest

from service_catalogue.loader import CatalogueError
from store.db import open_database
from training.data import PROJECT_DIR, TrainingData, TrainingFiles
from training.validation import MIN_EXAMPLES, check, check_catalogue, rasa_data_validate


@pytest.fixture
def data(tmp_path) -> TrainingData:
    """The repository's examples, in a copy a test may change, with an empty overlay."""
    shutil.copytree(PROJECT_DIR / "nlu_data", tmp_path / "nlu_data")
    return TrainingData(open_database(f"sqlite:///{tmp_path}/app.db"), tmp_path / "nlu_data")


def test_the_repository_data_passes(data):
    assert check(data) == []


def test_a_catalogue_error_blocks_and_names_the_entry():
    def broken():
        raise CatalogueError("services.yml: service 'x' names an unknown form 'XX 9'")

    (finding,) = check_catalogue(broken)
    assert finding.blocking and "XX 9" in (finding.detail or "")


def test_too_few_examples_warn_and_an_example_in_two_intents_blocks(data, tmp_path):
    greet = data.examples("greet", "sv")
    for example in greet[: len(greet) - (MIN_EXAMPLES - 1)]:
        data.delete("greet", "sv", example.text, "eeva")
    shared = data.examples("goodbye", "fi")[0].text
    # As an upgrade could bring it: the same example upstream in another intent.
    path = tmp_path / "nlu_data" / "fi" / "general.yml"
    block = "- intent: greet\n  metadata:\n    language: fi\n  examples: |\n"
    path.write_text(path.read_text(encoding="utf-8").replace(block, f"{block}    - {shared}\n", 1), encoding="utf-8")
    findings = check(data)
    few = [f for f in findings if f.code == "too_few"]
    assert [(f.intent, f.language, f.count, f.blocking) for f in few] == [("greet", "sv", MIN_EXAMPLES - 1, False)]
    (duplicate,) = [f for f in findings if f.code == "duplicate"]
    assert (
        duplicate.blocking
        and duplicate.language == "fi"
        and {duplicate.intent, duplicate.other_intent}
        == {
            "greet",
            "goodbye",
        }
    )
    assert findings[0].blocking  # blocking findings come first


def test_rasa_data_validate_reports_its_output(tmp_path):
    fake = tmp_path / "rasa"
    fake.write_text(
        f"#!{sys.executable}\nimport sys\nprint('UserWarning: duplicate example', sys.argv[1:])\nsys.exit(1)\n"
    )
    fake.chmod(0o755)
    files = TrainingFiles(tmp_path / "domain", tmp_path / "data", tmp_path / "nlu")
    ok, output = asyncio.run(rasa_data_validate(files, rasa=Path(fake)))
    assert not ok and "duplicate example" in output and "'data', 'validate'" in output
    # Rasa checks the folders the job exported, not the repository's bot/domain and bot/data.
    assert str(files.domain) in output and str(files.data) in output and str(files.nlu) in output
