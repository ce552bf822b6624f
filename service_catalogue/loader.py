"""Loads and validates the service catalogue (YAML under catalogue/data/)."""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import yaml

LANGUAGES = ("fi", "sv", "en")
CATALOGUE_DIR = Path(__file__).resolve().parents[1] / "catalogue"
DEFAULT_DATA_DIR = CATALOGUE_DIR / "data"
SCHEMA_FILE = CATALOGUE_DIR / "schema.yml"
FILES = ("authorities", "channel_types", "forms", "services", "life_situations", "advisor_tasks", "point")


class CatalogueError(ValueError):
    """A catalogue file or entry is invalid; the message names the file and the entry."""


@dataclass(frozen=True)
class Catalogue:
    """The validated catalogue: entries keyed by id or code, in file order."""

    authorities: dict[str, dict]
    channel_types: dict[str, dict]
    forms: dict[str, dict]
    services: dict[str, dict]
    life_situations: dict[str, dict]
    advisor_tasks: dict[str, dict]
    point: dict
    by_intent: dict[str, tuple[str, dict]] = field(default_factory=dict)
    form_index: dict[str, str] = field(default_factory=dict)

    def topic(self, intent: str) -> tuple[str, dict] | None:
        """The (kind, entry) a topic intent leads to: kind is 'life_situation' or 'service'."""
        return self.by_intent.get(intent)

    def form(self, code: str) -> dict | None:
        """A form by its code or any language variant, spelled loosely ('at1', 'AT 1r')."""
        wanted = normalise_code(code)
        # A variant suffix the catalogue does not list still names its base form.
        found = self.form_index.get(wanted) or self.form_index.get(re.sub(r"(?<=\d)[re]$", "", wanted))
        return self.forms.get(found) if found else None

    def life_situation_forms(self, situation: dict) -> list[dict]:
        """The forms of a life situation's steps, in step order, each once."""
        codes: list[str] = []
        for step in situation["steps"]:
            for code in self.services[step["service"]]["forms"]:
                if code not in codes:
                    codes.append(code)
        return [self.forms[c] for c in codes]


def normalise_code(code: str) -> str:
    """'AT 1r', 'at1R' and ' AT  1r ' all become 'AT1r'."""
    compact = re.sub(r"\s+", "", str(code))
    match = re.fullmatch(r"([A-Za-z]*)(\d+)([A-Za-z]?)", compact)
    if not match:
        return compact.upper()
    prefix, number, suffix = match.groups()
    return f"{prefix.upper()}{number}{suffix.lower()}"


def _form_index(forms: dict[str, dict]) -> dict[str, str]:
    index = {}
    for code, form in forms.items():
        for name in (code, *form["variants"].values()):
            index[normalise_code(name)] = code
    return index


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)
    except FileNotFoundError:
        raise CatalogueError(f"{path}: file is missing") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from None


def _entry_name(document: Any, error: jsonschema.ValidationError) -> str:
    """The id or code of the list entry an error sits in, or its JSON path."""
    path = list(error.absolute_path)
    if len(path) >= 2 and isinstance(path[1], int):
        entry = document[path[0]][path[1]]
        if isinstance(entry, dict):
            label = entry.get("id") or entry.get("code")
            if label:
                return f"entry '{label}'"
        return f"entry #{path[1] + 1}"
    return "/".join(str(p) for p in path) or "top level"


def _validate_shape(name: str, path: Path, document: Any, schema: dict) -> None:
    file_schema = dict(schema["files"][name])
    file_schema["$defs"] = schema["$defs"]
    validator = jsonschema.Draft202012Validator(file_schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path)
        raise CatalogueError(
            f"{path.name}: {_entry_name(document, first)}: {first.message}"
            + (f" (at {where})" if where else "")
        )


def _unique(file: str, entries: list[dict], key: str) -> dict[str, dict]:
    seen: dict[str, dict] = {}
    for entry in entries:
        value = entry[key]
        if value in seen:
            raise CatalogueError(f"{file}: entry '{value}': duplicate {key}")
        seen[value] = entry
    return seen


def _cross_check(cat: Catalogue, today: dt.date) -> Iterator[str]:
    """Every reference resolves; nothing sends a customer to an authority that has ended."""
    for file, entries in (("forms.yml", cat.forms), ("services.yml", cat.services)):
        for key, entry in entries.items():
            authority = cat.authorities.get(entry["authority"])
            if authority is None:
                yield f"{file}: entry '{key}': unknown authority '{entry['authority']}'"
            elif authority.get("ended") and dt.date.fromisoformat(str(authority["ended"])) < today:
                yield (f"{file}: entry '{key}': authority '{entry['authority']}' ended on "
                       f"{authority['ended']}; no customer may be sent there")
    for code, form in cat.forms.items():
        base = normalise_code(code)
        for lang, variant in form["variants"].items():
            if normalise_code(variant) not in (base, base + "r", base + "e"):
                yield f"forms.yml: entry '{code}': variant {lang} '{variant}' is not a version of {code}"
    for sid, service in cat.services.items():
        for code in service["forms"]:
            if code not in cat.forms:
                yield f"services.yml: entry '{sid}': unknown form '{code}'"
        for task in service["advisor_tasks"]:
            if task not in cat.advisor_tasks:
                yield f"services.yml: entry '{sid}': unknown advisor task '{task}'"
    for code, situation in cat.life_situations.items():
        for step in situation["steps"]:
            if step["service"] not in cat.services:
                yield f"life_situations.yml: entry '{code}': unknown service '{step['service']}'"
    for task in cat.point["capabilities"]:
        if task not in cat.advisor_tasks:
            yield f"point.yml: entry '{cat.point['id']}': unknown advisor task '{task}'"


def _intent_index(services: dict, situations: dict) -> dict[str, tuple[str, dict]]:
    index: dict[str, tuple[str, dict]] = {}
    entries = [("life_situations.yml", "life_situation", s) for s in situations.values()]
    entries += [("services.yml", "service", s) for s in services.values() if s.get("intent")]
    for file, kind, entry in entries:
        intent = entry["intent"]
        if intent in index:
            label = entry.get("id") or entry.get("code")
            raise CatalogueError(f"{file}: entry '{label}': intent '{intent}' is used twice")
        index[intent] = (kind, entry)
    return index


def load_catalogue(data_dir: str | os.PathLike | None = None,
                   today: dt.date | None = None) -> Catalogue:
    """Read, validate and index every catalogue file; raise CatalogueError on the first problem."""
    data_dir = Path(data_dir or os.environ.get("CATALOGUE_DIR") or DEFAULT_DATA_DIR)
    schema = _read(SCHEMA_FILE)
    documents = {}
    for name in FILES:
        path = data_dir / f"{name}.yml"
        document = _read(path)
        _validate_shape(name, path, document, schema)
        documents[name] = document
    cat = Catalogue(
        authorities=_unique("authorities.yml", documents["authorities"]["authorities"], "id"),
        channel_types=_unique("channel_types.yml", documents["channel_types"]["channel_types"], "id"),
        forms=_unique("forms.yml", documents["forms"]["forms"], "code"),
        services=_unique("services.yml", documents["services"]["services"], "id"),
        life_situations=_unique("life_situations.yml",
                                documents["life_situations"]["life_situations"], "code"),
        advisor_tasks=_unique("advisor_tasks.yml", documents["advisor_tasks"]["advisor_tasks"], "id"),
        point=documents["point"]["point"],
    )
    problems = list(_cross_check(cat, today or dt.date.today()))
    if problems:
        raise CatalogueError("\n".join(problems))
    object.__setattr__(cat, "by_intent", _intent_index(cat.services, cat.life_situations))
    object.__setattr__(cat, "form_index", _form_index(cat.forms))
    return cat


@lru_cache(maxsize=1)
def get_catalogue() -> Catalogue:
    """The catalogue of this process, loaded once on first use."""
    return load_catalogue()
