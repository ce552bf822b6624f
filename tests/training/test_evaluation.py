"""The comparison of a candidate with the active model, on fixed prediction files, and the regression gate."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from training.evaluation import Item, compare, heldout_items, is_regression, read_predictions, score, side_by_side

ROOT = Path(__file__).resolve().parents[2]


def write_predictions(directory: Path, predictions: dict[str, tuple[str, str]]) -> Path:
    """Files as `rasa test nlu --successes` writes them: text → (gold, predicted)."""
    directory.mkdir(parents=True)
    successes = [
        {"text": t, "intent": g, "intent_prediction": {"name": p, "confidence": 0.9}}
        for t, (g, p) in predictions.items()
        if g == p
    ]
    errors = [
        {"text": t, "intent": g, "intent_prediction": {"name": p, "confidence": 0.4}}
        for t, (g, p) in predictions.items()
        if g != p
    ]
    (directory / "intent_successes.json").write_text(json.dumps(successes))
    (directory / "intent_errors.json").write_text(json.dumps(errors))
    return directory


ITEMS = [
    Item("hei", "fi", "heldout", "greet"),
    Item("kiitos paljon", "fi", "heldout", "thank"),
    Item("hej", "sv", "heldout", "greet"),
    Item("tack så mycket", "sv", "real", "thank"),
    Item("hello", "en", "real", "greet"),
    Item("cheers", "en", "real", "thank"),
]


@pytest.fixture
def predictions(tmp_path):
    active = read_predictions(
        write_predictions(
            tmp_path / "active",
            {
                "hei": ("greet", "greet"),
                "kiitos paljon": ("thank", "thank"),
                "hej": ("greet", "greet"),
                "tack så mycket": ("thank", "greet"),
                "hello": ("greet", "greet"),
                "cheers": ("thank", "greet"),
            },
        )
    )
    candidate = read_predictions(
        write_predictions(
            tmp_path / "candidate",
            {
                "hei": ("greet", "greet"),
                "kiitos paljon": ("thank", "greet"),  # worse
                "hej": ("greet", "greet"),
                "tack så mycket": ("thank", "thank"),  # better
                "hello": ("greet", "greet"),
                "cheers": ("thank", "greet"),
            },
        )
    )
    return candidate, active


def test_scores_per_language_set_and_intent(predictions):
    _, active = predictions
    scores = score(ITEMS, active)
    assert scores["accuracy"] == 66.7
    assert scores["by_language"] == {"fi": 100.0, "sv": 50.0, "en": 50.0}
    assert scores["by_set"] == {"real": 33.3, "heldout": 100.0}
    # greet: precision 3/5, recall 1 → 0.75; thank: precision 1, recall 1/3 → 0.5
    assert scores["intent_f1"] == {"greet": 75.0, "thank": 50.0}
    assert scores["macro_f1"] == 62.5


def test_compare_lists_regressions_improvements_and_confusions(predictions):
    candidate, active = predictions
    result = compare(ITEMS, candidate, active)
    assert [r["text"] for r in result["regressions"]] == ["kiitos paljon"]
    assert result["regressions"][0]["predicted"] == "greet"
    assert [r["text"] for r in result["improvements"]] == ["tack så mycket"]
    assert result["confused"][0] == {
        "intent": "thank",
        "predicted": "greet",
        "count": 2,
        "examples": ["kiitos paljon", "cheers"],
    }
    assert result["candidate"]["by_language"]["fi"] == 50.0
    assert result["summary"] == {"candidate_accuracy": 66.7, "active_accuracy": 66.7}


def test_regression_gate(predictions):
    candidate, active = predictions
    result = compare(ITEMS, candidate, active)
    # Finnish falls 50 points: a regression at any margin below that; real messages improved.
    assert is_regression(result, 1.0)
    assert not is_regression(result, 50.0)
    same = compare(ITEMS, active, active)
    assert not is_regression(same, 0.0)
    # An empty set (no real messages yet) is no regression.
    fi_only = [i for i in ITEMS if i.language == "fi"]
    assert not is_regression(compare(fi_only[:1], candidate, active), 1.0)


def test_heldout_files_cover_every_language_and_are_not_training_examples():
    items = heldout_items()
    for lang in ("fi", "sv", "en"):
        assert sum(1 for i in items if i.language == lang) >= 15, lang
    training = set()
    for path in (ROOT / "nlu_data").rglob("*.yml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip().startswith("- "):
                training.add(re.sub(r"\[([^\]]*)\][({][^)}]*[)}]", r"\1", line.strip()[2:]).lower())
    copies = [i.text for i in items if i.text.lower() in training]
    assert copies == []


def test_side_by_side_runs_both_at_once_and_a_failure_stops_the_other():
    """The two models' runs overlap; the first failure is raised as it is and the other run is cancelled."""

    async def run(name: str, seconds: float, log: list[str]) -> str:
        log.append(f"start {name}")
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            log.append(f"cancelled {name}")
            raise
        log.append(f"end {name}")
        return name

    async def fail() -> str:
        await asyncio.sleep(0.01)
        raise RuntimeError("rasa test nlu failed (1)")

    log: list[str] = []
    assert asyncio.run(side_by_side(run("candidate", 0.02, log), run("active", 0.01, log))) == ("candidate", "active")
    assert log == ["start candidate", "start active", "end active", "end candidate"]  # not one after the other
    log.clear()
    with pytest.raises(RuntimeError, match="rasa test nlu failed"):
        asyncio.run(side_by_side(fail(), run("active", 30, log)))
    assert log == ["start active", "cancelled active"]
