"""The training examples: the editors' overlay over nlu_data/, its history, merge with a new release and export."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from service_catalogue.rasa_topics import GENERATED
from store.db import open_database
from tests.training.conftest import add_service, catalogue_with, no_intent, reword
from training.data import (
    MAX_TEXT,
    PROJECT_DIR,
    ChangeNotApplicable,
    DuplicateExample,
    TrainingData,
    UnknownExample,
    _read_intents,
)

RASA = PROJECT_DIR / ".venv-rasa" / "bin" / "rasa"


@pytest.fixture
def nlu_dir(tmp_path) -> Path:
    """A copy of the repository's nlu_data/, which a test may change like a new release would."""
    target = tmp_path / "nlu_data"
    shutil.copytree(PROJECT_DIR / "nlu_data", target)
    return target


@pytest.fixture
def data(tmp_path, nlu_dir) -> TrainingData:
    return TrainingData(open_database(f"sqlite:///{tmp_path}/app.db"), nlu_dir)


def texts(data: TrainingData, intent: str, lang: str = "fi") -> list[str]:
    return [example.text for example in data.examples(intent, lang)]


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a base file as a new release would."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_intents_cover_the_domain_and_the_examples(data):
    intents = data.intents()
    assert {"greet", "request_human", "service_housing_allowance", "life_divorce", "choose"} <= set(intents)
    assert len(intents) == len(set(intents))


def test_examples_come_from_the_repository(data):
    greet = data.examples("greet", "fi")
    assert greet[0].text == "hei" and greet[0].origin == "repo" and greet[0].change_id is None
    assert any("]{" in text for text in texts(data, "service_housing_allowance"))  # annotations kept as written


def test_add_edit_and_delete_change_the_merged_examples(data):
    added = data.add("greet", "fi", "  heippa   kaikki  ", "eero")
    assert texts(data, "greet")[-1] == "heippa kaikki"
    assert data.examples("greet", "fi")[-1].origin == "editor" and data.examples("greet", "fi")[-1].change_id == added
    data.edit("greet", "fi", "heippa kaikki", "heippa kaikille", "eero")
    assert "heippa kaikille" in texts(data, "greet") and "heippa kaikki" not in texts(data, "greet")
    data.delete("greet", "fi", "moro", "aino")
    assert "moro" not in texts(data, "greet")
    assert "moro" in data.merged()["fi"]["greet"] or "moro" not in data.merged()["fi"]["greet"]
    assert "moro" not in data.merged()["fi"]["greet"]


def test_a_duplicate_is_refused_naming_the_intent(data):
    with pytest.raises(DuplicateExample) as refused:
        data.add("thank", "fi", "Hei", "eero")
    assert refused.value.intent == "greet"
    with pytest.raises(DuplicateExample) as same:
        data.add("greet", "fi", "HEI ", "eero")
    assert same.value.intent == "greet"
    # An annotated example is the same example as its plain words.
    annotated = next(t for t in texts(data, "service_housing_allowance") if "]{" in t)
    plain = annotated.replace('{"entity": "benefit", "value": "housing_allowance"}', "").replace("[", "")
    with pytest.raises(DuplicateExample):
        data.add("greet", "fi", plain.replace("]", ""), "eero")
    # The same words in another language are another example.
    data.add("greet", "sv", "moro", "eero")


def test_bad_texts_intents_and_languages_are_refused(data):
    for text in ("", "   ", "x" * (MAX_TEXT + 1), "rivi\x00"):
        with pytest.raises(ValueError):
            data.add("greet", "fi", text, "eero")
    with pytest.raises(ValueError):
        data.add("no_such_intent", "fi", "hei hei hei", "eero")
    with pytest.raises(ValueError):
        data.add("greet", "de", "hallo zusammen", "eero")
    with pytest.raises(ValueError):
        data.add("choose", "fi", "valitsen tämän", "eero")  # button payloads only
    with pytest.raises(UnknownExample):
        data.edit("greet", "fi", "ei tällaista esimerkkiä", "uusi", "eero")
    with pytest.raises(UnknownExample):
        data.delete("greet", "fi", "ei tällaista esimerkkiä", "eero")
    assert data.history() == []


def test_near_duplicates_ignore_case_diacritics_and_punctuation(data):
    near = data.near_duplicates("Hyvää päivää!", "fi")
    assert ("greet", "hyvää päivää") in near and ("greet", "hyvaa paivaa") in near
    assert data.near_duplicates("täysin uusi lause jota ei ole", "fi") == []


def test_history_per_intent_and_per_editor(data):
    data.add("greet", "fi", "heippa kaikki", "eero")
    data.add("thank", "fi", "kiitti paljon vaan", "aino")
    data.delete("greet", "fi", "moro", "aino")
    assert [c.op for c in data.history()] == ["delete", "add", "add"]  # newest first
    assert [c.after or c.before for c in data.history(intent="greet")] == ["moro", "heippa kaikki"]
    assert [c.intent for c in data.history(editor="aino")] == ["greet", "thank"]
    assert [c.intent for c in data.history(intent="greet", editor="aino")] == ["greet"]
    change = data.history(limit=1)[0]
    assert change.editor == "aino" and change.before == "moro" and change.after is None and change.at.tzinfo
    assert data.editors() == ["aino", "eero"]
    assert data.last_change_at() == change.at


def test_revert_undoes_each_kind_of_change(data):
    added = data.add("greet", "fi", "heippa kaikki", "eero")
    edited = data.edit("greet", "fi", "moro", "moro moro", "eero")
    deleted = data.delete("greet", "fi", "terve", "eero")
    before = texts(data, "greet")
    data.revert(deleted, "aino")
    data.revert(edited, "aino")
    data.revert(added, "aino")
    after = texts(data, "greet")
    assert "heippa kaikki" not in after and "moro" in after and "moro moro" not in after and "terve" in after
    assert before != after
    reverted = {c.id: c.reverted for c in data.history()}
    assert reverted[added] and reverted[edited] and reverted[deleted]
    assert data.history(limit=1)[0].reverts == added
    with pytest.raises(ChangeNotApplicable) as twice:
        data.revert(added, "aino")
    assert twice.value.reason == "already_reverted"


def test_a_revert_that_no_longer_applies_is_refused(data):
    added = data.add("greet", "fi", "heippa kaikki", "eero")
    data.delete("greet", "fi", "heippa kaikki", "aino")
    with pytest.raises(ChangeNotApplicable) as refused:
        data.revert(added, "eero")
    assert refused.value.reason == "gone"
    deleted = data.delete("greet", "fi", "moro", "eero")
    data.add("thank", "fi", "moro", "aino")
    with pytest.raises(ChangeNotApplicable) as exists:
        data.revert(deleted, "eero")
    assert exists.value.reason == "exists"


def test_an_upgrade_merges_with_the_editors_changes(data, nlu_dir):
    """A new release: a new upstream example, an upstream edit of an example the editor also edited, and an
    upstream addition equal to an editor's addition."""
    data.add("greet", "fi", "heippa kaikki", "eero")
    data.add("thank", "fi", "kiitti paljon vaan", "eero")
    edited = data.edit("greet", "fi", "moro", "moro vaan", "eero")
    deleted = data.delete("greet", "fi", "morjens", "eero")
    # The release: "moro" becomes "moroo", "morjens" is edited too, "heippa kaikki" and a new example arrive.
    general = nlu_dir / "fi" / "general.yml"
    replace_in(general, "    - moro\n", "    - moroo\n")
    replace_in(general, "    - morjens\n", "    - morjenstaa\n")
    replace_in(general, "    - hei\n", "    - hei\n    - heippa kaikki\n    - hei uusi julkaisu\n")
    greet = texts(data, "greet")
    assert "hei uusi julkaisu" in greet and "moroo" in greet  # upstream's work arrives
    assert greet.count("heippa kaikki") == 1  # the editor's equal addition is not doubled
    assert "kiitti paljon vaan" in texts(data, "thank")  # the editor's other work stays
    conflicts = {c.change.id: c for c in data.conflicts()}
    assert set(conflicts) == {edited, deleted}
    assert conflicts[edited].reason == "missing" and conflicts[edited].change.after == "moro vaan"
    # Shown, never lost: the change stays in the history and can be set aside by reverting it.
    data.revert(edited, "eero")
    assert {c.change.id for c in data.conflicts()} == {deleted}
    assert any(c.id == edited and c.reverted for c in data.history())


def test_an_upstream_example_in_another_intent_is_a_conflict(data, nlu_dir):
    added = data.add("thank", "fi", "kiitos ja moikka", "eero")
    replace_in(nlu_dir / "fi" / "general.yml", "    - hei\n", "    - hei\n    - kiitos ja moikka\n")
    [conflict] = data.conflicts()
    assert conflict.change.id == added and conflict.reason == "elsewhere" and conflict.other_intent == "greet"
    assert "kiitos ja moikka" not in texts(data, "thank")


def test_export_keeps_the_layout_and_reads_back_as_merged(data, nlu_dir, tmp_path):
    data.add("greet", "fi", "heippa kaikki", "eero")
    data.add("greet", "sv", "hejsan alla ni där borta", "eero")
    data.edit("thank", "en", texts(data, "thank", "en")[0], "thanks a bunch, mate", "eero")
    for example in texts(data, "ask_capabilities", "sv"):
        data.delete("ask_capabilities", "sv", example, "eero")  # an intent left with no examples in one language
    out = tmp_path / "export"
    data.export(out)
    exported = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.yml"))
    assert exported == sorted(p.relative_to(nlu_dir).as_posix() for p in nlu_dir.rglob("*.yml"))
    merged = data.merged()
    for lang in ("fi", "sv", "en"):
        found: dict[str, list[str]] = {}
        for path in sorted((out / lang).glob("*.yml")):
            for intent, examples in _read_intents(path.read_text(encoding="utf-8")).items():
                found.setdefault(intent, []).extend(examples)
        assert found == merged[lang], lang
    assert "ask_capabilities" not in merged["sv"]
    # Lookups, synonyms, regexes and comments come through as they were.
    for rel in ("fi/lookups.yml", "common/regex.yml"):
        assert (out / rel).read_text(encoding="utf-8") == (nlu_dir / rel).read_text(encoding="utf-8")
    assert "# Booking references" in (out / "common/regex.yml").read_text(encoding="utf-8")
    # Unchanged data exports byte for byte.
    assert (out / "fi/services.yml").read_bytes() == (nlu_dir / "fi/services.yml").read_bytes()


def test_an_intent_new_to_a_language_goes_where_the_other_languages_keep_it(data, nlu_dir, tmp_path):
    # Take one language's block away, as if the release had no Swedish examples for it yet.
    services = nlu_dir / "sv" / "services.yml"
    document = yaml.safe_load(services.read_text(encoding="utf-8"))
    intent = document["nlu"][0]["intent"]
    data_without = [item for item in document["nlu"] if item.get("intent") != intent]
    services.write_text(yaml.safe_dump({"version": "3.1", "nlu": data_without}, allow_unicode=True), encoding="utf-8")
    assert texts(data, intent, "sv") == []
    data.add(intent, "sv", "ett helt nytt exempel här", "eero")
    out = tmp_path / "export"
    data.export(out)
    assert _read_intents((out / "sv/services.yml").read_text(encoding="utf-8"))[intent] == ["ett helt nytt exempel här"]
    assert intent_languages(out / "sv/services.yml")[intent] == "sv"


def intent_languages(path: Path) -> dict[str, str | None]:
    """Intent -> the `language` of its block's metadata, as Rasa reads the file."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        str(item["intent"]): (item.get("metadata") or {}).get("language")
        for item in document.get("nlu") or []
        if isinstance(item, dict) and "intent" in item
    }


def test_every_exported_intent_block_says_its_language(data, nlu_dir, tmp_path):
    data.add("greet", "en", "hiya everybody out there", "eero")
    data.edit("thank", "sv", texts(data, "thank", "sv")[0], "tack tack du är snäll idag", "eero")
    out = tmp_path / "export"
    data.export(out)
    for lang in ("fi", "sv", "en"):
        for path in sorted((out / lang).glob("*.yml")):
            assert set(intent_languages(path).values()) <= {lang}, path


def test_a_file_written_anew_keeps_the_intents_metadata_and_adds_the_language(data, nlu_dir, tmp_path):
    # A layout the line rewrite does not know (flow style, as another tool may write it): the whole file is dumped.
    odd = nlu_dir / "en" / "odd.yml"
    odd.write_text(
        'version: "3.1"\nnlu: [{intent: odd_one, metadata: {language: en, owner: lead}, examples: "- an odd one\\n"},'
        ' {intent: odd_two, examples: "- another odd one\\n"}]\n',
        encoding="utf-8",
    )
    data.add("odd_two", "en", "a third odd one", "eero")
    out = tmp_path / "export"
    data.export(out)
    document = yaml.safe_load((out / "en" / "odd.yml").read_text(encoding="utf-8"))
    metadata = {item["intent"]: item.get("metadata") for item in document["nlu"]}
    assert metadata == {"odd_one": {"language": "en", "owner": "lead"}, "odd_two": {"language": "en"}}


def test_checksum_is_stable_and_follows_the_data(data, tmp_path, nlu_dir):
    first = data.checksum()
    assert first == data.checksum()
    # Another machine with the same data (another database, another copy) gets the same sum.
    other = tmp_path / "other_nlu"
    shutil.copytree(nlu_dir, other)
    assert TrainingData(open_database(f"sqlite:///{tmp_path}/other.db"), other).checksum() == first
    change = data.add("greet", "fi", "heippa kaikki", "eero")
    assert data.checksum() != first
    data.revert(change, "eero")
    assert data.checksum() == first


@pytest.mark.skipif(not RASA.exists(), reason="the Rasa environment (.venv-rasa) is not installed")
def test_rasa_validates_the_export(tmp_path, nlu_dir):
    # A new topic with its examples, one topic less, and ordinary edits: what a training job would export.
    new_topic = add_service("test_municipal", "service_test_municipal")
    cat = catalogue_with(tmp_path / "catalogue", new_topic, no_intent("passport"))
    data = TrainingData(open_database(f"sqlite:///{tmp_path}/app.db"), nlu_dir, topics_source=lambda: cat)
    for lang in ("fi", "sv", "en"):
        data.add("service_test_municipal", lang, f"test municipal service question {lang}", "eero")
    data.add("greet", "fi", "heippa kaikki", "eero")
    data.edit("thank", "sv", texts(data, "thank", "sv")[0], "tack tack du är snäll idag", "eero")
    files = data.export_training(tmp_path / "export")
    result = subprocess.run(
        [
            str(RASA),
            "data",
            "validate",
            "--config",
            "config.yml",
            "--domain",
            str(files.domain),
            "--data",
            str(files.data),
            str(files.nlu),
        ],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=900,  # about 1-2 min alone; a loaded machine takes longer
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    output = result.stdout + result.stderr
    # Nothing about the new or the removed topic is out of step between the domain, the rules and the data.
    assert "service_test_municipal" not in output and "service_passport" not in output


# --- Topics from the catalogue -------------------------------------------------------------------------


def test_the_catalogues_topics_are_intents_even_without_examples(tmp_path, nlu_dir):
    cat = catalogue_with(tmp_path / "catalogue", add_service("test_municipal", "service_test_municipal"))
    data = TrainingData(open_database(f"sqlite:///{tmp_path}/app.db"), nlu_dir, topics_source=lambda: cat)
    assert "service_test_municipal" in data.intents() and "service_test_municipal" in data.domain_intents()
    assert data.counts()["service_test_municipal"] == {"fi": 0, "sv": 0, "en": 0}
    # An editor can give the new topic its examples at once; they go beside the other services' examples.
    data.add("service_test_municipal", "sv", "hur ansöker jag om testtjänsten", "eero")
    assert texts(data, "service_test_municipal", "sv") == ["hur ansöker jag om testtjänsten"]
    files = data.export_files()
    assert "hur ansöker jag om testtjänsten" in files["sv/services.yml"]
    assert "service_test_municipal" in data.topic_files()["bot/domain/topics.generated.yml"]


def test_a_hand_written_domain_has_no_topic_intents_and_the_generated_file_on_disk_is_not_read(data):
    assert "service_housing_allowance" not in data.hand_written_intents()
    assert "greet" in data.hand_written_intents()
    assert data.domain_intents()[: len(data.hand_written_intents())] == data.hand_written_intents()


def test_a_topic_removed_from_the_catalogue_leaves_the_training_and_the_export(tmp_path, nlu_dir):
    engine = open_database(f"sqlite:///{tmp_path}/app.db")
    before = TrainingData(engine, nlu_dir)
    assert texts(before, "service_passport") and "service_passport" in before.intents()
    change = before.add("service_passport", "fi", "passi hukassa testikunnassa", "eero")
    cat = catalogue_with(tmp_path / "catalogue", no_intent("passport"))
    data = TrainingData(engine, nlu_dir, topics_source=lambda: cat)
    assert "service_passport" not in data.intents() and data.retired() == ["service_passport"]
    assert all("service_passport" not in data.merged()[lang] for lang in ("fi", "sv", "en"))
    exported = "".join(data.export_files().values())
    assert "service_passport" not in exported and "passi hukassa testikunnassa" not in exported
    assert "service_passport" not in "".join(data.topic_files().values())
    # The examples stay in the history: the topic back in the catalogue brings them back.
    assert data.change(change) is not None
    assert "passi hukassa testikunnassa" in "".join(before.export_files().values())
    with pytest.raises(ValueError):
        data.add("service_passport", "fi", "toinen passikysymys", "eero")  # no examples to a topic that is gone


def test_checksum_follows_the_catalogues_topics(tmp_path, nlu_dir):
    engine = open_database(f"sqlite:///{tmp_path}/app.db")
    first = TrainingData(engine, nlu_dir).checksum()
    added = catalogue_with(tmp_path / "added", add_service("test_municipal", "service_test_municipal"))
    assert TrainingData(engine, nlu_dir, topics_source=lambda: added).checksum() != first
    removed = catalogue_with(tmp_path / "removed", no_intent("passport"))
    assert TrainingData(engine, nlu_dir, topics_source=lambda: removed).checksum() != first
    # A text of the catalogue is read by the actions at run time: the model does not change with it.
    reworded = catalogue_with(tmp_path / "reworded", reword("passport"))
    assert TrainingData(engine, nlu_dir, topics_source=lambda: reworded).checksum() == first


def test_checksum_ignores_a_generated_file_left_on_disk(tmp_path, nlu_dir):
    project = tmp_path / "project"
    for name in ("config.yml", "bot/domain", "bot/data"):
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=shutil.ignore_patterns(GENERATED))
        else:
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, project / name)
    engine = open_database(f"sqlite:///{tmp_path}/app.db")
    data = TrainingData(engine, nlu_dir, project_dir=project)
    first = data.checksum()
    (project / "bot" / "domain" / GENERATED).write_text("intents: [stale]\n", encoding="utf-8")
    assert data.checksum() == first and "stale" not in data.domain_intents()


def test_export_training_writes_the_domain_the_rules_and_the_examples(tmp_path, nlu_dir):
    cat = catalogue_with(tmp_path / "catalogue", add_service("test_municipal", "service_test_municipal"))
    data = TrainingData(open_database(f"sqlite:///{tmp_path}/app.db"), nlu_dir, topics_source=lambda: cat)
    files = data.export_training(tmp_path / "export")
    own = sorted(p.name for p in (PROJECT_DIR / "bot" / "domain").glob("*.yml") if p.name != GENERATED)
    assert sorted(p.name for p in files.domain.glob("*.yml")) == sorted([*own, GENERATED])
    domain = yaml.safe_load((files.domain / GENERATED).read_text(encoding="utf-8"))
    assert domain["intents"][-1] == "service_test_municipal"
    rules = yaml.safe_load((files.data / GENERATED).read_text(encoding="utf-8"))["rules"]
    assert rules[-1]["steps"] == [{"intent": "service_test_municipal"}, {"action": "action_show_topic"}]
    assert (files.data / "rules.yml").is_file() and (files.data / "stories.yml").is_file()
    assert (files.nlu / "fi" / "services.yml").is_file()
