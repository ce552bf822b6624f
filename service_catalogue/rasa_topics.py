"""The Rasa side of the catalogue's topics: each topic's intent and the rule that answers it, derived.

Every life situation and every service with an `intent` is a topic: the intent goes into the domain
and one rule sends it to action_show_topic, which answers from the catalogue. Nothing about a topic is
written by hand in bot/domain or bot/data: `python -m service_catalogue.rasa_topics` writes both from
the catalogue (the Makefile runs it before training, validating and running), and the training job of
the staff pages writes them from the published catalogue. So a new topic needs only its catalogue
entry and its examples, and a removed one leaves nothing behind.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import yaml

from service_catalogue.loader import Catalogue, CatalogueError, load_catalogue

GENERATED = "topics.generated.yml"
ACTION = "action_show_topic"
# The catalogue schema's pattern of a topic intent: only these are ever derived (or dropped when gone).
TOPIC_PREFIXES = ("life_", "service_")
BOT_DIR = Path(__file__).resolve().parents[1] / "bot"
HEADER = (
    "# Generated from the service catalogue by `python -m service_catalogue.rasa_topics`: do not edit.\n"
    "# Each topic (a life situation, or a service with an `intent`) is answered by action_show_topic.\n"
)


def is_topic_intent(intent: str) -> bool:
    """Whether the name is of the kind the catalogue's topics have (life_*, service_*)."""
    return intent.startswith(TOPIC_PREFIXES)


def topic_intents(cat: Catalogue) -> list[str]:
    """Every life situation's intent, then every service's that has one, in file order."""
    found = [s["intent"] for s in cat.life_situations.values()]
    found += [s["intent"] for s in cat.services.values() if s.get("intent")]
    return found


def _dump(document: dict) -> str:
    body = yaml.safe_dump(document, allow_unicode=True, default_flow_style=False, sort_keys=False)
    return HEADER + body


def domain_yaml(cat: Catalogue) -> str:
    """A domain file with the topic intents (the rest of the domain is in bot/domain's own files)."""
    return _dump({"version": "3.1", "intents": topic_intents(cat)})


def rules_yaml(cat: Catalogue) -> str:
    """A data file with one rule per topic intent: the intent, then action_show_topic."""
    rules = [{"rule": intent, "steps": [{"intent": intent}, {"action": ACTION}]} for intent in topic_intents(cat)]
    return _dump({"version": "3.1", "rules": rules})


def _write_if_changed(path: Path, text: str) -> bool:
    """Write only a changed text, so make does not see newer training data when nothing changed."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return True


def write(cat: Catalogue, domain_dir: Path, data_dir: Path) -> bool:
    """Write topics.generated.yml into the domain and the data folder; whether either changed."""
    changed = _write_if_changed(Path(domain_dir) / GENERATED, domain_yaml(cat))
    return _write_if_changed(Path(data_dir) / GENERATED, rules_yaml(cat)) or changed


def main(argv: list[str] | None = None) -> int:
    """The command line: write the generated files from a catalogue folder (default: catalogue/data/)."""
    parser = argparse.ArgumentParser(prog="python -m service_catalogue.rasa_topics", description=__doc__)
    parser.add_argument("--catalogue", type=Path, default=None, help="catalogue data folder")
    parser.add_argument("--domain", type=Path, default=BOT_DIR / "domain", help="the domain folder")
    parser.add_argument("--data", type=Path, default=BOT_DIR / "data", help="the stories' and rules' folder")
    args = parser.parse_args(argv)
    try:
        cat = load_catalogue(args.catalogue or os.environ.get("CATALOGUE_DIR") or None)
    except CatalogueError as error:
        print(f"catalogue is invalid:\n{error}")
        return 1
    changed = write(cat, args.domain, args.data)
    state = "written" if changed else "unchanged"
    print(f"topics: {len(topic_intents(cat))} intents, {GENERATED} in {args.domain} and {args.data} {state}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
