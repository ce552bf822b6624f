"""The UI's own texts (kiosk_ui/i18n/{fi,sv,en}.yml and <area>.{fi,sv,en}.yml).

Every language must have the same keys and placeholders.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

import yaml

from service_catalogue.loader import LANGUAGES, load_yaml

I18N_DIR = Path(__file__).resolve().parent / "i18n"


class TextsError(ValueError):
    """The language files disagree or cannot be read; the message names the file and the key."""


def flatten(tree: dict, prefix: str = "") -> dict[str, str]:
    """{'kiosk': {'send': 'Send'}} as {'kiosk.send': 'Send'}."""
    flat = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        elif isinstance(value, str) and value.strip():
            flat[name] = value
        else:
            raise TextsError(f"{name}: must be a non-empty text")
    return flat


def placeholders(text: str) -> set[str]:
    """The {names} a text expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Texts:
    """Every UI text, per language, as nested mappings (for templates) and flat keys (for checks)."""

    tree: dict[str, dict]
    flat: dict[str, dict[str, str]]

    def __call__(self, lang: str) -> dict:
        """The nested texts of one language."""
        return self.tree[lang]

    def section(self, name: str) -> dict[str, dict]:
        """One top-level section in every language: {'fi': {...}, 'sv': {...}, 'en': {...}}."""
        return {lang: self.tree[lang][name] for lang in LANGUAGES}

    def text(self, lang: str, key: str, **values) -> str:
        """One text by its dotted key, its placeholders filled in."""
        return self.flat[lang][key].format(**values)


def _read(path: Path) -> dict:
    try:
        with path.open(encoding="utf-8") as handle:
            # Every app start (and every test's app) reads 42 files.
            document = load_yaml(handle)
    except (OSError, yaml.YAMLError) as exc:
        raise TextsError(f"{path}: {exc}") from None
    if not isinstance(document, dict):
        raise TextsError(f"{path}: must be a mapping of texts")
    return document


def load_texts(directory: Path = I18N_DIR) -> Texts:
    """Read fi, sv and en; fail on a missing file, a key one language lacks or differing placeholders.

    A language's texts are `{lang}.yml` plus any `<area>.{lang}.yml` (one file per surface, so
    the surfaces' texts are edited apart); a top-level section may live in one file only.
    """
    tree, flat = {}, {}
    for lang in LANGUAGES:
        document: dict = {}
        for path in [directory / f"{lang}.yml", *sorted(directory.glob(f"*.{lang}.yml"))]:
            part = _read(path)
            clash = sorted(set(part) & set(document))
            if clash:
                raise TextsError(f"{path}: sections {clash} are already defined in another file")
            try:
                flatten(part)
            except TextsError as exc:
                raise TextsError(f"{path}: {exc}") from None
            document.update(part)
        flat[lang] = flatten(document)
        tree[lang] = document
    reference = LANGUAGES[0]
    for lang in LANGUAGES[1:]:
        missing = sorted(set(flat[reference]) - set(flat[lang]))
        extra = sorted(set(flat[lang]) - set(flat[reference]))
        if missing or extra:
            raise TextsError(
                f"{directory / f'{lang}.yml'}: keys differ from {reference}.yml: missing {missing}, extra {extra}"
            )
        for key, text in flat[reference].items():
            if placeholders(text) != placeholders(flat[lang][key]):
                raise TextsError(f"{directory / f'{lang}.yml'}: {key}: placeholders differ from {reference}.yml")
    return Texts(tree, flat)
