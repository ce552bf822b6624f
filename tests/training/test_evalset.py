"""The evaluation set of real messages: add (redacted, relabel), list, remove, export as Rasa NLU YAML."""

import subprocess
from pathlib import Path

import pytest
import yaml

from store.db import open_database
from training.evalset import EvalSet, normalise

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


@pytest.fixture
def evalset(tmp_path):
    """An evaluation set over a fresh app database."""
    return EvalSet(open_database(f"sqlite:///{tmp_path}/app.db"))


def test_add_redacts_and_lists_items(evalset):
    first = evalset.add("Hetuni on 010101-123N, mitä teen?", "personal_data", "fi", "editor1")
    evalset.add("hur ansöker jag om bostadsbidrag", "ask_benefit", "sv", "editor2")
    items = evalset.items()
    assert [(i.intent, i.language, i.added_by) for i in items] == [
        ("ask_benefit", "sv", "editor2"),
        ("personal_data", "fi", "editor1"),
    ]
    assert items[1].id == first and items[1].text == "Hetuni on <ID_CODE>, mitä teen?"
    assert items[1].added_at.tzinfo is not None
    assert [i.text for i in evalset.items("sv")] == ["hur ansöker jag om bostadsbidrag"]


def test_the_same_text_is_one_item_and_relabelled(evalset):
    first = evalset.add("Missä on  Kela?", "ask_location", "fi", "a")
    again = evalset.add("missä on kela?", "ask_authority", "fi", "b")
    assert first == again
    (item,) = evalset.items()
    assert (item.intent, item.added_by, item.text) == ("ask_authority", "b", "Missä on Kela?")
    assert evalset.add("missä on kela?", "ask_authority", "sv", "b") != first


def test_bad_values_are_refused(evalset):
    with pytest.raises(ValueError):
        evalset.add("   ", "greet", "fi", "e")
    with pytest.raises(ValueError):
        evalset.add("moi", "greet", "de", "e")
    with pytest.raises(ValueError):
        evalset.add("moi", "greet; drop", "fi", "e")


def test_remove(evalset):
    item = evalset.add("moi", "greet", "fi", "e")
    assert evalset.remove(item) is True
    assert evalset.remove(item) is False
    assert evalset.items() == []


def test_normalise():
    assert normalise("  Hei\n  MAAILMA\t") == "hei maailma"


def test_export_is_rasa_nlu_yaml(evalset, tmp_path):
    evalset.add("hei [kela](authority) {x}", "greet", "fi", "e")
    evalset.add("hej", "greet", "sv", "e")
    evalset.add("where is the police", "ask_location", "en", "e")
    path = tmp_path / "eval" / "real.yml"
    assert evalset.export(path) == 3
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    assert {block["intent"]: block["examples"] for block in data["nlu"]} == {
        "ask_location": "- where is the police\n",
        "greet": "- hei (kela)(authority) (x)\n- hej\n",
    }
    assert evalset.export(tmp_path / "sv.yml", language="sv") == 1
    assert evalset.export(tmp_path / "en.yml", language="en") == 1
    for item in evalset.items():
        evalset.remove(item.id)
    assert evalset.export(tmp_path / "empty.yml") == 0
    assert yaml.safe_load((tmp_path / "empty.yml").read_text(encoding="utf-8")) == {"version": "3.1", "nlu": []}


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the Rasa environment is not installed")
def test_rasa_reads_the_export(evalset, tmp_path):
    evalset.add("hei [kela](authority)", "greet", "fi", "e")
    evalset.add("where is the police", "ask_location", "en", "e")
    path = tmp_path / "real.yml"
    evalset.export(path)
    script = (
        "import sys; from rasa.shared.nlu.training_data.loading import load_data;"
        "d = load_data(sys.argv[1]); print(len(d.intent_examples), len(d.entity_examples))"
    )
    out = subprocess.run([str(RASA_PYTHON), "-c", script, str(path)], capture_output=True, text=True, check=True)
    assert out.stdout.split()[-2:] == ["2", "0"]
