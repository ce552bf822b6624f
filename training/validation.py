"""Validation before training: the catalogue, the intent-level rules and Rasa's own `rasa data validate`.

The quick checks (the catalogue loader, at least MIN_EXAMPLES examples per intent and language, no
example in two intents) run whenever the models page opens, so the editor sees them next to the Train
button with a link to the example concerned; a blocking one keeps the button from training. `rasa data
validate` on the merged data takes about 20 s, so the training job runs it first, as its validating
stage, and a failure ends the job with Rasa's output in its log.
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from service_catalogue.loader import LANGUAGES, CatalogueError, load_catalogue
from training.data import BUTTON_ONLY, TrainingData, TrainingFiles, normalise

ROOT = Path(__file__).resolve().parents[1]
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
# Fewer examples than this per intent and language and the model guesses; the examples page marks them too.
MIN_EXAMPLES = 10
# Rasa's output kept in the job's log when validation fails.
OUTPUT_MAX_CHARS = 8000


@dataclass(frozen=True)
class Finding:
    """One thing to fix before training; `blocking` ones stop the Train button."""

    code: str  # catalogue | too_few | duplicate
    blocking: bool
    intent: str | None = None
    language: str | None = None
    text: str | None = None
    other_intent: str | None = None
    count: int | None = None
    detail: str | None = None  # the catalogue loader's message: it names the file and the entry


def check_catalogue(load: Callable[[], object] = load_catalogue) -> list[Finding]:
    """The catalogue loads (the assistant's answers come from it); its error names the file and the entry."""
    try:
        load()
    except CatalogueError as exc:
        return [Finding("catalogue", blocking=True, detail=str(exc))]
    return []


def check_examples(data: TrainingData) -> list[Finding]:
    """Too few examples of an intent in a language, and the same example in two intents."""
    merged = data.merged()
    findings: list[Finding] = []
    for intent in data.intents():
        if intent in BUTTON_ONLY:
            continue
        for lang in LANGUAGES:
            count = len(merged.get(lang, {}).get(intent, []))
            if count < MIN_EXAMPLES:
                findings.append(Finding("too_few", blocking=False, intent=intent, language=lang, count=count))
    for lang in LANGUAGES:
        owners: dict[str, dict[str, str]] = defaultdict(dict)
        for intent, texts in merged.get(lang, {}).items():
            for text in texts:
                owners[normalise(text)].setdefault(intent, text)
        for by_intent in owners.values():
            if len(by_intent) > 1:
                (first, text), (second, _) = sorted(by_intent.items())[:2]
                findings.append(
                    Finding("duplicate", blocking=True, intent=first, language=lang, text=text, other_intent=second)
                )
    return findings


def check(data: TrainingData, load: Callable[[], object] = load_catalogue) -> list[Finding]:
    """Every quick check, blocking findings first."""
    findings = check_catalogue(load) + check_examples(data)
    return sorted(findings, key=lambda f: not f.blocking)


async def rasa_data_validate(files: TrainingFiles, rasa: Path = RASA) -> tuple[bool, str]:
    """`rasa data validate` on what the job exported (domain, stories and rules, merged data) and config: ok, output."""
    process = await asyncio.create_subprocess_exec(
        str(rasa), "data", "validate", "--config", "config.yml", "--domain", str(files.domain),
        "--data", str(files.data), str(files.nlu),
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "NO_COLOR": "1"},
    )  # fmt: skip
    output, _ = await process.communicate()
    text = output.decode("utf-8", "replace")
    return process.returncode == 0, text[-OUTPUT_MAX_CHARS:]
