"""The UI's language files: the same keys and placeholders in fi, sv and en, checked at start-up."""

import shutil

import pytest
import yaml

from kiosk_ui.texts import I18N_DIR, LANGUAGES, TextsError, flatten, load_texts


def test_the_three_language_files_have_identical_keys():
    keys = {
        lang: set(flatten(yaml.safe_load((I18N_DIR / f"{lang}.yml").read_text(encoding="utf-8")))) for lang in LANGUAGES
    }
    assert keys["fi"] == keys["sv"] == keys["en"]
    load_texts()


def test_a_missing_key_stops_the_app(tmp_path):
    for lang in LANGUAGES:
        shutil.copy(I18N_DIR / f"{lang}.yml", tmp_path / f"{lang}.yml")
    sv = yaml.safe_load((tmp_path / "sv.yml").read_text(encoding="utf-8"))
    del sv["kiosk"]["send"]
    (tmp_path / "sv.yml").write_text(yaml.safe_dump(sv, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TextsError, match=r"sv\.yml.*kiosk\.send"):
        load_texts(tmp_path)


def test_differing_placeholders_stop_the_app(tmp_path):
    for lang in LANGUAGES:
        shutil.copy(I18N_DIR / f"{lang}.yml", tmp_path / f"{lang}.yml")
    en = yaml.safe_load((tmp_path / "en.yml").read_text(encoding="utf-8"))
    en["chat"]["ticket"] = "Your number is {number}."
    (tmp_path / "en.yml").write_text(yaml.safe_dump(en, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TextsError, match=r"chat.ticket"):
        load_texts(tmp_path)


def test_kiosk_and_widget_texts_avoid_the_formal_you():
    # Plain language: "sinä" / "du", never the formal "te" / "ni".
    fi, sv = load_texts().flat["fi"], load_texts().flat["sv"]
    assert not any(word in text.lower().split() for text in fi.values() for word in ("te", "teidän", "teille"))
    assert not any(word in text.lower().split() for text in sv.values() for word in ("ni", "er", "ert"))
