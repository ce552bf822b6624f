"""Accuracy of the language decision on first messages, per language (bench/language_id_cases.yml).

    .venv-rasa/bin/python bench/language_id.py [--model models/assistant.tar.gz] [--min 97]

Each message goes through the trained model's NLU (Rasa's Agent, the same graph the server runs) and
then through the language policy's decision (bot/language_policy.py), as the first message of a
conversation: once without a page language, once on a page in each of the two wrong languages (a clear
message must win over the page).
With --min, the exit status is 1 when a language of the short set is below that percentage.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CASES = ROOT / "bench" / "language_id_cases.yml"
LANGUAGES = ("fi", "sv", "en")


def first_message_language(parse_data: dict, page: str | None) -> str:
    """What bot.language_policy sets for this parse data as a conversation's first message."""
    from rasa.shared.core.events import UserUttered

    from bot.language_policy import choose, read_names

    metadata = {"page_language": page} if page else {}
    message = UserUttered(
        parse_data.get("text"), parse_data.get("intent"), parse_data.get("entities"), parse_data, metadata=metadata
    )
    return choose(message, "fi", 0, read_names())


def main() -> int:
    """Print accuracy and misses per language; 1 when --min is not reached."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models" / "assistant.tar.gz"))
    parser.add_argument("--min", type=float, default=None, help="exit 1 below this accuracy (%%) in a language")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    logging.disable(logging.WARNING)

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # Rasa's own debug lines for every parse

    agent = Agent.load(args.model)
    cases = yaml.safe_load(CASES.read_text(encoding="utf-8"))
    print(f"model {args.model}")
    print(f"{'set':6} {'lang':4} {'n':>4} {'no page':>9} {'wrong page':>11}")
    worst = 100.0
    for part, by_language in cases.items():
        for lang in LANGUAGES:
            messages = by_language.get(lang) or []
            misses, page_misses = [], []
            for text in messages:
                parse_data = asyncio.run(agent.parse_message(text))
                got = first_message_language(parse_data, None)
                if got != lang:
                    misses.append(f"{text!r} -> {got}")
                wrong = [page for page in LANGUAGES if page != lang]
                for page in wrong:
                    got = first_message_language(parse_data, page)
                    if got != lang:
                        page_misses.append(f"{text!r} on a {page} page -> {got}")
            n = len(messages)
            plain = 100 * (n - len(misses)) / n
            paged = 100 * (n - len({m.split(" on a ")[0] for m in page_misses})) / n
            if part == "short":
                worst = min(worst, plain)
            print(f"{part:6} {lang:4} {n:4} {plain:8.1f}% {paged:10.1f}%")
            for miss in misses + page_misses:
                print(f"         miss: {miss}")
    if args.min is not None and worst < args.min:
        print(f"below {args.min} % in a language")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
