"""The topics' intents and rules derived from the catalogue: the same set the hand-written domain had, one rule each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from service_catalogue import rasa_topics
from service_catalogue.loader import DEFAULT_DATA_DIR, load_catalogue
from service_catalogue.rasa_topics import GENERATED, domain_yaml, rules_yaml, topic_intents, write

ROOT = Path(__file__).resolve().parents[2]
# The topic intents bot/domain/core.yml listed by hand before they were derived (issue 15): the same set.
BEFORE = {
    "life_having_child",
    "life_starting_studies",
    "life_moving_from_home",
    "life_moving_within_finland",
    "life_moving_abroad",
    "life_moving_back_to_finland",
    "life_immigrating",
    "life_divorce",
    "life_losing_job",
    "life_debt",
    "life_retirement",
    "life_serious_illness",
    "life_rehabilitation",
    "life_informal_care",
    "life_death_of_relative",
    "service_housing_allowance",
    "service_child_benefit",
    "service_sickness_allowance",
    "service_kela_card",
    "service_travel_costs",
    "service_student_aid",
    "service_student_aid_changes",
    "service_unemployment_benefit",
    "service_parental_benefits",
    "service_child_home_care_allowance",
    "service_maintenance_allowance",
    "service_pensioner_housing_allowance",
    "service_tax_card",
    "service_passport",
    "service_identity_card",
    "service_lost_property",
    "service_lost_document",
    "service_change_of_address",
    "service_document_submission",
    "service_identity_confirmation",
    "service_payment",
    "service_remote_connection",
}


@pytest.fixture(scope="module")
def cat():
    return load_catalogue()


def test_the_intents_are_the_catalogues(cat):
    intents = topic_intents(cat)
    assert intents == list(cat.by_intent)
    assert len(intents) == len(set(intents))
    assert set(intents) == BEFORE
    domain = yaml.safe_load(domain_yaml(cat))
    assert domain["version"] == "3.1" and domain["intents"] == intents


def test_every_rule_sends_its_intent_to_action_show_topic(cat):
    rules = yaml.safe_load(rules_yaml(cat))["rules"]
    assert [r["steps"] for r in rules] == [[{"intent": i}, {"action": "action_show_topic"}] for i in topic_intents(cat)]
    assert len({r["rule"] for r in rules}) == len(rules)


def test_no_hand_written_file_names_a_topic_intent_in_the_domain_or_a_rule(cat):
    topics = set(topic_intents(cat))
    for path in (ROOT / "bot" / "domain").glob("*.yml"):
        if path.name != GENERATED:
            intents = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or []
            assert not topics & {next(iter(i)) if isinstance(i, dict) else i for i in intents}, path
    for path in (ROOT / "bot" / "data").glob("*.yml"):
        if path.name != GENERATED:
            for rule in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or []:
                assert not topics & {s.get("intent") for s in rule["steps"]}, path


def test_stories_name_only_intents_of_the_catalogue_or_the_domain(cat):
    # A hand-written story may use a topic intent; it must be one the catalogue still derives.
    known = set(topic_intents(cat))
    for path in (ROOT / "bot" / "domain").glob("*.yml"):
        if path.name != GENERATED:
            for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or []:
                known.add(next(iter(item)) if isinstance(item, dict) else item)
    for path in (ROOT / "bot" / "data").glob("*.yml"):
        for story in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("stories") or []:
            for step in story["steps"]:
                assert step.get("intent", "greet") in known, (path, step)


def catalogue_with(tmp_path: Path, change) -> Path:
    """A copy of catalogue/data/ with services.yml changed."""
    target = tmp_path / "catalogue"
    shutil.copytree(DEFAULT_DATA_DIR, target)
    path = target / "services.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document["services"])
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return target


def test_a_new_service_with_an_intent_becomes_a_topic_and_a_removed_one_goes(tmp_path, cat):
    def add(services: list[dict]) -> None:
        new = dict(services[0], id="test_municipal_service", intent="service_test_municipal", verified=False)
        services.append(new)

    added = load_catalogue(catalogue_with(tmp_path / "a", add))
    assert topic_intents(added)[-1] == "service_test_municipal"
    assert {"intent": "service_test_municipal"} in yaml.safe_load(rules_yaml(added))["rules"][-1]["steps"]

    def drop(services: list[dict]) -> None:
        # The service stays (the passport is still handled at the point); it is no topic of its own any more.
        next(s for s in services if s["id"] == "passport").pop("intent")

    removed = load_catalogue(catalogue_with(tmp_path / "b", drop))
    assert "service_passport" in topic_intents(cat) and "service_passport" not in topic_intents(removed)
    assert "service_passport" not in rules_yaml(removed) and "service_passport" not in domain_yaml(removed)


def test_write_writes_both_files_and_only_when_they_change(tmp_path, cat):
    domain, data = tmp_path / "domain", tmp_path / "data"
    assert write(cat, domain, data)
    assert (domain / GENERATED).read_text(encoding="utf-8") == domain_yaml(cat)
    assert (data / GENERATED).read_text(encoding="utf-8") == rules_yaml(cat)
    stamp = (domain / GENERATED).stat().st_mtime_ns
    assert not write(cat, domain, data)
    assert (domain / GENERATED).stat().st_mtime_ns == stamp  # make sees no newer training data


def test_the_command_line_writes_into_the_folders_it_is_given(tmp_path, capsys, cat):
    assert rasa_topics.main(["--domain", str(tmp_path / "d"), "--data", str(tmp_path / "r")]) == 0
    assert (tmp_path / "d" / GENERATED).is_file() and (tmp_path / "r" / GENERATED).is_file()
    assert f"{len(topic_intents(cat))} intents" in capsys.readouterr().out


def test_generated_files_are_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8")
    assert "bot/domain/topics.generated.yml" in ignored and "bot/data/topics.generated.yml" in ignored
