"""Evaluation of a candidate model against the active one, on the same data, with Rasa's own tests.

After training, the runner calls the evaluator: `rasa test nlu --successes` on the evaluation set of
real messages (training.evalset) and the fixed held-out files tests/nlu/heldout_{fi,sv,en}.yml, for
the candidate and for the active model (the bank's, or the repository's models/assistant.tar.gz),
and `rasa test core` on the test stories. `compare` turns the two prediction lists into accuracy per
language and per set, macro-F1, per-intent F1, regressions (wrong now, right before), improvements,
and the most confused intent pairs with examples. `is_regression` is the gate: a candidate more than
`margin` points below the active model on the real messages or in any language needs an admin.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import shutil
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import yaml
from sqlalchemy.engine import Engine

from service_catalogue.loader import LANGUAGES
from training.bank import ModelBank, ModelRecord, repository_model

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
HELDOUT_DIR = ROOT / "tests" / "nlu"
STORIES = ROOT / "tests" / "stories"
T = TypeVar("T")
U = TypeVar("U")
MAX_EXAMPLES = 50  # regressions / improvements listed
CORRECT = re.compile(r"Correct:\s+(\d+)\s*/\s*(\d+)")


@dataclass(frozen=True)
class Item:
    """A test message: its text, language, set (real | heldout) and the intent a person gave it."""

    text: str
    language: str
    set: str
    intent: str


def read_nlu_file(path: Path, language: str, set_name: str) -> list[Item]:
    """The examples of a Rasa NLU YAML file as items."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    items = []
    for entry in document.get("nlu") or []:
        if "intent" not in entry:
            continue
        for line in str(entry.get("examples") or "").splitlines():
            text = line.strip()
            if text.startswith("- "):
                items.append(Item(text[2:].strip(), language, set_name, entry["intent"]))
    return items


def heldout_items(directory: Path = HELDOUT_DIR) -> list[Item]:
    items: list[Item] = []
    for lang in LANGUAGES:
        path = directory / f"heldout_{lang}.yml"
        if path.is_file():
            items += read_nlu_file(path, lang, "heldout")
    return items


def read_predictions(out_dir: Path) -> dict[str, str]:
    """text → predicted intent, from `rasa test nlu --successes`' intent_successes.json and intent_errors.json."""
    predicted: dict[str, str] = {}
    for name in ("intent_successes.json", "intent_errors.json"):
        path = out_dir / name
        if path.is_file():
            for entry in json.loads(path.read_text(encoding="utf-8")):
                prediction = entry.get("intent_prediction") or {}
                predicted[entry["text"]] = prediction.get("name") or ""
    return predicted


def _f1(gold: list[str], predicted: list[str]) -> dict[str, float]:
    intents = sorted(set(gold))
    scores = {}
    for intent in intents:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == intent and p == intent)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != intent and p == intent)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == intent and p != intent)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores[intent] = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return scores


def _in_set(name: str, item: Item) -> bool:
    return item.set == name


def _in_language(lang: str, item: Item) -> bool:
    return item.language == lang


def _points(value: float) -> float:
    return round(100 * value, 1)


def score(items: list[Item], predicted: dict[str, str]) -> dict:
    """Accuracy (points of 100) overall, per set and per language; macro-F1 and F1 per intent."""
    gold = [item.intent for item in items]
    guess = [predicted.get(item.text, "") for item in items]
    right = [g == p for g, p in zip(gold, guess, strict=True)]

    def accuracy(keep: Callable[[Item], bool]) -> float | None:
        chosen = [ok for item, ok in zip(items, right, strict=True) if keep(item)]
        return _points(sum(chosen) / len(chosen)) if chosen else None

    per_intent = _f1(gold, guess)
    return {
        "count": len(items),
        "accuracy": accuracy(lambda item: True),
        "by_set": {name: accuracy(partial(_in_set, name)) for name in ("real", "heldout")},
        "by_language": {lang: accuracy(partial(_in_language, lang)) for lang in LANGUAGES},
        "macro_f1": _points(sum(per_intent.values()) / len(per_intent)) if per_intent else None,
        "intent_f1": {intent: _points(value) for intent, value in per_intent.items()},
    }


def compare(items: list[Item], candidate: dict[str, str], active: dict[str, str]) -> dict:
    """The candidate and the active model side by side on the same items."""
    regressions, improvements = [], []
    confused: Counter[tuple[str, str]] = Counter()
    confused_examples: dict[tuple[str, str], list[str]] = defaultdict(list)
    for item in items:
        new, old = candidate.get(item.text, ""), active.get(item.text, "")
        entry = {"text": item.text, "language": item.language, "set": item.set, "intent": item.intent}
        if new != item.intent and old == item.intent:
            regressions.append({**entry, "predicted": new})
        elif new == item.intent and old != item.intent:
            improvements.append({**entry, "predicted": old})
        if new != item.intent:
            pair = (item.intent, new)
            confused[pair] += 1
            if len(confused_examples[pair]) < 3:
                confused_examples[pair].append(item.text)
    cand, act = score(items, candidate), score(items, active)
    return {
        "candidate": cand,
        "active": act,
        "regressions": regressions[:MAX_EXAMPLES],
        "improvements": improvements[:MAX_EXAMPLES],
        "regression_count": len(regressions),
        "improvement_count": len(improvements),
        "confused": [
            {"intent": gold, "predicted": guess, "count": count, "examples": confused_examples[(gold, guess)]}
            for (gold, guess), count in confused.most_common(10)
        ],
        "summary": {"candidate_accuracy": cand["accuracy"], "active_accuracy": act["accuracy"]},
    }


def is_regression(scores: dict, margin: float) -> bool:
    """More than `margin` points below the active model on the real messages or in any language."""
    cand, act = scores["candidate"], scores["active"]
    pairs = [(cand["by_set"].get("real"), act["by_set"].get("real"))]
    pairs += [(cand["by_language"].get(lang), act["by_language"].get(lang)) for lang in LANGUAGES]
    return any(new is not None and old is not None and old - new > margin for new, old in pairs)


async def _run(command: list[str], log: Path) -> tuple[int, str]:
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "NO_COLOR": "1"}
    process = await asyncio.create_subprocess_exec(
        "nice", "-n", "10", *command, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        output, _ = await process.communicate()
    except asyncio.CancelledError:
        os.killpg(process.pid, 9)
        raise
    text = output.decode("utf-8", "replace")
    log.write_text(text, encoding="utf-8")
    return process.returncode or 0, text


async def predict(model: Path, nlu_dir: Path, out: Path) -> dict[str, str]:
    """`rasa test nlu --successes` of one model on a folder of NLU files; text → predicted intent."""
    out.mkdir(parents=True, exist_ok=True)
    code, text = await _run(
        [str(RASA), "test", "nlu", "--model", str(model), "--nlu", str(nlu_dir), "--out", str(out), "--successes"],
        out / "rasa.log",
    )
    if code != 0:
        raise RuntimeError(f"rasa test nlu failed ({code}): {text[-500:]}")
    return read_predictions(out)


async def story_score(model: Path, out: Path) -> dict | None:
    """Correct test stories (rasa test core), or None when it did not run."""
    out.mkdir(parents=True, exist_ok=True)
    _, text = await _run(
        [str(RASA), "test", "core", "--model", str(model), "--stories", str(STORIES), "--out", str(out)],
        out / "rasa.log",
    )
    match = CORRECT.search(text)
    return {"correct": int(match.group(1)), "total": int(match.group(2))} if match else None


async def side_by_side(first: Coroutine[Any, Any, T], second: Coroutine[Any, Any, U]) -> tuple[T, U]:
    """Two `rasa test` runs at once, one core each (the editor waits about half as long on two cores); a
    failure cancels the other and is raised as it is."""
    try:
        async with asyncio.TaskGroup() as group:
            a, b = group.create_task(first), group.create_task(second)
    except ExceptionGroup as errors:
        raise errors.exceptions[0] from None
    return a.result(), b.result()


def real_items(engine: Engine, path: Path) -> list[Item]:
    """The evaluation set of real messages (empty while the inbox feature has none), written to `path`."""
    from training.evalset import EvalSet

    evalset = EvalSet(engine)
    if not hasattr(evalset, "export"):
        return []
    items = [Item(i.text, i.language, "real", i.intent) for i in evalset.items()]
    if items:
        evalset.export(path)
    return items


def evaluator(
    engine: Engine, directory: Path, margin_points: float
) -> Callable[[ModelRecord, Path], Awaitable[tuple[dict | None, bool]]]:
    """The runner's evaluation step: scores of the candidate against the active model, and the gate."""

    async def evaluate(record: ModelRecord, path: Path) -> tuple[dict | None, bool]:
        bank = ModelBank(engine, directory)
        active = await asyncio.to_thread(bank.active)
        baseline = active.path if active is not None and active.path is not None else repository_model()
        work = Path(directory).resolve() / "work" / f"{record.name}-evaluation"
        shutil.rmtree(work, ignore_errors=True)
        data = work / "data"
        data.mkdir(parents=True)
        items = heldout_items()
        for lang in LANGUAGES:
            source = HELDOUT_DIR / f"heldout_{lang}.yml"
            if source.is_file():
                shutil.copy(source, data / source.name)
        items += await asyncio.to_thread(real_items, engine, data / "real.yml")
        if not items or not baseline.is_file():
            return None, False
        candidate, previous = await side_by_side(
            predict(path, data, work / "candidate"), predict(baseline, data, work / "active")
        )
        scores = compare(items, candidate, previous)
        stories = await side_by_side(
            story_score(path, work / "stories-candidate"), story_score(baseline, work / "stories-active")
        )
        scores["stories"] = dict(zip(("candidate", "active"), stories, strict=True))
        scores["margin"] = margin_points
        shutil.rmtree(work, ignore_errors=True)
        return scores, is_regression(scores, margin_points)

    return evaluate
