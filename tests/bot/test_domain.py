"""The domain has every reply in three languages, and every response an action names."""

import re
from pathlib import Path

import yaml

from service_catalogue.loader import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]


def responses() -> dict:
    merged = {}
    for path in (ROOT / "bot" / "domain").glob("*.yml"):
        merged.update(yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {})
    return merged


def test_every_response_has_exactly_one_variation_per_language():
    for name, variations in responses().items():
        languages = [c["value"] for v in variations for c in v.get("condition", []) if c.get("name") == "language"]
        assert sorted(languages) == sorted(LANGUAGES), name
        assert all(v.get("text") for v in variations), name


def test_variations_of_a_response_take_the_same_placeholders_and_buttons():
    for name, variations in responses().items():
        placeholders = {frozenset(re.findall(r"{(\w+)}", v["text"])) for v in variations}
        assert len(placeholders) == 1, name
        payloads = {tuple(b["payload"] for b in v.get("buttons", [])) for v in variations}
        assert len(payloads) == 1, name


def test_every_response_named_in_actions_exists():
    named = set()
    for path in (ROOT / "actions").glob("*.py"):
        named |= set(re.findall(r'response="(utter_\w+)"', path.read_text(encoding="utf-8")))
    assert named and named <= set(responses())


def test_no_customer_text_in_python():
    for folder in ("actions", "service_catalogue", "kiosk_ui", "store", "privacy", "bot"):
        for path in (ROOT / folder).rglob("*.py"):
            for literal in re.findall(r"[\"']([^\"'\n]*)[\"']", path.read_text(encoding="utf-8")):
                assert not re.search(r"[äöåÄÖÅ]", literal), f"{path}: {literal}"


def test_every_handoff_unavailable_reason_has_its_response():
    for reason in ("closed", "no_advisor"):
        assert f"utter_handoff_unavailable_{reason}" in responses()
