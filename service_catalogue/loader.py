"""Loads and validates the service catalogue (YAML under catalogue/data/)."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import os
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

LANGUAGES = ("fi", "sv", "en")
CATALOGUE_DIR = Path(__file__).resolve().parents[1] / "catalogue"
DEFAULT_DATA_DIR = CATALOGUE_DIR / "data"
SCHEMA_FILE = CATALOGUE_DIR / "schema.yml"
FILES = (
    "authorities",
    "channel_types",
    "forms",
    "services",
    "life_situations",
    "advisor_tasks",
    "point",
    "booking",
    "sami",
)
# The entries editors change one by one (store.catalogue_workspace, the content editor): kind -> (FILES name,
# the document's list of entries, the entry's key field); the point is one mapping, keyed "point".
KIND_FILES: dict[str, tuple[str, str, str | None]] = {
    "life_situation": ("life_situations", "life_situations", "code"),
    "service": ("services", "services", "id"),
    "form": ("forms", "forms", "code"),
    "authority": ("authorities", "authorities", "id"),
    "point": ("point", "point", None),
}
KINDS = tuple(KIND_FILES)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DISPLAY_FIELDS = ("weekday", "day", "month", "month_name", "year", "hour", "minute")
ICS_FIELDS = ("topic", "reference", "room")


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the catalogue: where (file, entry, dotted field path), a stable code, and the full message.

    `message` is the whole line ("services.yml: entry 'x': unknown form 'AT 99'"); `params` holds the values
    it names, for a page that words the problem itself from `code`.
    """

    file: str
    entry: str | None
    field: str | None
    code: str
    message: str
    # dataclasses.field: this class's own `field` attribute shadows the bare name for the type checker.
    params: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        return self.message


class CatalogueError(ValueError):
    """A catalogue file or entry is invalid; the message names the file and the entry, `problems` each one."""

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", None, None, "error", problems)]
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(p.message for p in self.problems))


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
    booking: dict
    sami: dict = field(default_factory=dict)
    # authority -> {category: that authority's name of it, or None for the task's own name}
    standard_services: dict[str, dict[str, dict | None]] = field(default_factory=dict)
    by_intent: dict[str, tuple[str, dict]] = field(default_factory=dict)
    form_index: dict[str, str] = field(default_factory=dict)

    def active_authorities(self, today: dt.date) -> dict[str, dict]:
        """The authorities that have not ended by `today`, in file order."""
        return {key: a for key, a in self.authorities.items() if not has_ended(a, today)}

    def successors(self, authority_id: str) -> list[dict]:
        """The authorities that took over from an ended one, in the order the catalogue names them."""
        return [self.authorities[s] for s in self.authorities[authority_id].get("successors", [])]

    def categories_for(self, authority: str) -> list[str]:
        """The category ids valid for this authority, in its standard list's order (none when it has no list)."""
        return list(self.standard_services.get(authority, {}))

    def valid_pair(self, authority: str, category: str) -> bool:
        """True when the category is on the authority's standard service list."""
        return category in self.standard_services.get(authority, {})

    def category_name(self, authority: str | None, category: str, lang: str) -> str:
        """The category's name as the authority's list words it, else the task's name, else the id."""
        own = self.standard_services.get(authority or "", {}).get(category)
        if own:
            return own[lang]
        task = self.advisor_tasks.get(category)
        return task["name"][lang] if task else category

    def topic(self, intent: str) -> tuple[str, dict] | None:
        """The (kind, entry) a topic intent leads to: kind is 'life_situation' or 'service'."""
        return self.by_intent.get(intent)

    def form(self, code: str) -> dict | None:
        """A form by its code or any language variant, spelled loosely ('at1', 'AT 1r')."""
        wanted = normalise_code(code)
        # A variant suffix the catalogue does not list still names its base form.
        found = self.form_index.get(wanted) or self.form_index.get(re.sub(r"(?<=\d)[re]$", "", wanted))
        return self.forms.get(found) if found else None

    def received_here(self, form: dict) -> bool:
        """True when this point takes the filled form in: it receives documents, and of the form's authority."""
        task = self.advisor_tasks.get("receive_documents") or {}
        return "receive_documents" in self.point["capabilities"] and form["authority"] in task.get("authorities", [])

    def life_situation_forms(self, situation: dict) -> list[dict]:
        """The forms of a life situation's steps, in step order, each once: a step's own `forms`, else its service's."""
        codes: list[str] = []
        for step in situation["steps"]:
            for code in step.get("forms", self.services[step["service"]]["forms"]):
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


def parse_hours(weekly: dict) -> dict[int, tuple[tuple[int, int], ...]]:
    """{'mon': ['09:00-16:00']} as {0: ((540, 960),)}: minutes past midnight per weekday (0 = Monday)."""
    parsed = {}
    for day, ranges in weekly.items():
        spans = []
        for text in ranges:
            start, end = (int(t[:2]) * 60 + int(t[3:]) for t in str(text).split("-"))
            spans.append((start, end))
        parsed[WEEKDAYS.index(day)] = tuple(sorted(spans))
    return parsed


def _form_index(forms: dict[str, dict]) -> dict[str, str]:
    index = {}
    for code, form in forms.items():
        for name in (code, *form["variants"].values()):
            index[normalise_code(name)] = code
    return index


def load_yaml(stream: Any) -> Any:
    """yaml.safe_load through libyaml's loader when PyYAML has it: the same safe subset, several times faster."""
    return yaml.load(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _read(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return load_yaml(handle)
    except FileNotFoundError:
        raise CatalogueError([Problem(path.name, None, None, "file_missing", f"{path}: file is missing")]) from None
    except yaml.YAMLError as exc:
        raise CatalogueError(
            [Problem(path.name, None, None, "yaml_invalid", f"{path}: not valid YAML: {exc}")]
        ) from None


def _dotted(path: list[Any]) -> str | None:
    return ".".join(str(p) for p in path) or None


def _schema_problem(name: str, document: Any, error: jsonschema.ValidationError) -> Problem:
    """The schema error as a Problem: the list entry it sits in and the field path inside that entry."""
    path = list(error.absolute_path)
    where = "/".join(str(p) for p in path)
    # The old one-line wording: the entry's id or code, else its number, else the JSON path.
    entry: str | None = None
    inner = path
    label = where or "top level"
    if len(path) >= 2 and isinstance(path[1], int):
        item = document[path[0]][path[1]]
        inner = path[2:]
        found = item.get("id") or item.get("code") if isinstance(item, dict) else None
        entry = str(found) if found else f"#{path[1] + 1}"
        label = f"entry '{found}'" if found else f"entry #{path[1] + 1}"
    elif name == "point" and path[:1] == ["point"] and isinstance(document.get("point"), dict):
        entry, inner = document["point"].get("id"), path[1:]
    if error.validator == "required":
        # Point at the missing field itself (name.sv), not at the object that lacks it.
        missing = re.match(r"'([^']+)' is a required property", error.message)
        if missing:
            inner = [*inner, missing.group(1)]
    message = f"{name}.yml: {label}: {error.message}" + (f" (at {where})" if where else "")
    return Problem(
        f"{name}.yml",
        entry,
        _dotted(inner),
        "schema",
        message,
        {"validator": str(error.validator), "detail": error.message},
    )


def _validate_shape(name: str, document: Any, schema: dict) -> list[Problem]:
    file_schema = dict(schema["files"][name])
    file_schema["$defs"] = schema["$defs"]
    validator = jsonschema.Draft202012Validator(file_schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path])
    return [_schema_problem(name, document, error) for error in errors]


def _unique(file: str, entries: list[dict], key: str, problems: list[Problem]) -> dict[str, dict]:
    seen: dict[str, dict] = {}
    for index, entry in enumerate(entries):
        value = entry[key]
        if value in seen:
            problems.append(
                Problem(
                    file, value, key, "duplicate_key", f"{file}: entry '{value}': duplicate {key}", {"index": index}
                )
            )
            continue
        seen[value] = entry
    return seen


def has_ended(authority: dict, today: dt.date) -> bool:
    """True when the authority's `ended` date is before `today` (ELY centres ended in 2025)."""
    return bool(authority.get("ended")) and dt.date.fromisoformat(str(authority["ended"])) < today


def _cross_check(cat: Catalogue, today: dt.date) -> Iterator[Problem]:
    """Every reference resolves; nothing sends a customer to an authority that has ended."""
    for file, entries in (("forms.yml", cat.forms), ("services.yml", cat.services)):
        for key, entry in entries.items():
            authority = cat.authorities.get(entry["authority"])
            if authority is None:
                yield Problem(
                    file,
                    key,
                    "authority",
                    "unknown_authority",
                    f"{file}: entry '{key}': unknown authority '{entry['authority']}'",
                    {"authority": entry["authority"]},
                )
            elif has_ended(authority, today):
                yield Problem(
                    file,
                    key,
                    "authority",
                    "authority_ended",
                    f"{file}: entry '{key}': authority '{entry['authority']}' ended on "
                    f"{authority['ended']}; no customer may be sent there",
                    {"authority": entry["authority"], "ended": str(authority["ended"])},
                )
    for code, form in cat.forms.items():
        base = normalise_code(code)
        for lang, variant in form["variants"].items():
            if normalise_code(variant) not in (base, base + "r", base + "e"):
                yield Problem(
                    "forms.yml",
                    code,
                    f"variants.{lang}",
                    "variant_not_of_form",
                    f"forms.yml: entry '{code}': variant {lang} '{variant}' is not a version of {code}",
                    {"variant": variant, "lang": lang},
                )
    for sid, service in cat.services.items():
        for i, code in enumerate(service["forms"]):
            if code not in cat.forms:
                yield Problem(
                    "services.yml",
                    sid,
                    f"forms.{i}",
                    "unknown_form",
                    f"services.yml: entry '{sid}': unknown form '{code}'",
                    {"form": code},
                )
        for i, task in enumerate(service["advisor_tasks"]):
            if task not in cat.advisor_tasks:
                yield Problem(
                    "services.yml",
                    sid,
                    f"advisor_tasks.{i}",
                    "unknown_advisor_task",
                    f"services.yml: entry '{sid}': unknown advisor task '{task}'",
                    {"task": task},
                )
    yield from _check_steps(cat)
    point_id = cat.point["id"]
    for i, task in enumerate(cat.point["capabilities"]):
        if task not in cat.advisor_tasks:
            yield Problem(
                "point.yml",
                point_id,
                f"capabilities.{i}",
                "unknown_advisor_task",
                f"point.yml: entry '{point_id}': unknown advisor task '{task}'",
                {"task": task},
            )
    for day, spans in parse_hours(cat.point["hours"]).items():
        if any(start >= end for start, end in spans):
            yield Problem(
                "point.yml",
                point_id,
                f"hours.{WEEKDAYS[day]}",
                "hours_backwards",
                f"point.yml: entry '{point_id}': hours on {WEEKDAYS[day]} end before they start",
                {"day": WEEKDAYS[day]},
            )
    yield from _check_authorities(cat, today)
    yield from _check_standard_services(cat, today)
    yield from _check_sami(cat, today)
    yield from _check_booking(cat)


def _check_steps(cat: Catalogue) -> Iterator[Problem]:
    """A step names a known service, and the forms it lists are that service's own."""
    for code, situation in cat.life_situations.items():
        for i, step in enumerate(situation["steps"]):
            service = cat.services.get(step["service"])
            if service is None:
                yield Problem(
                    "life_situations.yml",
                    code,
                    f"steps.{i}.service",
                    "unknown_service",
                    f"life_situations.yml: entry '{code}': unknown service '{step['service']}'",
                    {"service": step["service"]},
                )
                continue
            for j, form in enumerate(step.get("forms", [])):
                if form not in service["forms"]:
                    yield Problem(
                        "life_situations.yml",
                        code,
                        f"steps.{i}.forms.{j}",
                        "step_form_not_of_service",
                        f"life_situations.yml: entry '{code}': form '{form}' of step {i + 1} is not one of "
                        f"service '{step['service']}''s forms",
                        {"form": form, "service": step["service"]},
                    )


def _check_standard_services(cat: Catalogue, today: dt.date) -> Iterator[Problem]:
    """Every list names known ids, and every working authority has one with what is recorded for any authority."""
    file = "advisor_tasks.yml"
    for authority, services in cat.standard_services.items():
        where = f"{file}: standard list of '{authority}'"
        if authority not in cat.authorities:
            yield Problem(file, authority, "authority", "unknown_authority", f"{where}: unknown authority")
        for category in services:
            if category not in cat.advisor_tasks:
                yield Problem(
                    file,
                    authority,
                    "services",
                    "unknown_category",
                    f"{where}: unknown category '{category}'",
                    {"category": category},
                )
    # Feedback and received documents may name any working authority, and a form card its form's.
    for authority in cat.active_authorities(today):
        for category in ("feedback", "receive_documents", "hand_out_material"):
            if not cat.valid_pair(authority, category):
                yield Problem(
                    file,
                    authority,
                    "services",
                    "missing_category",
                    f"{file}: standard list of '{authority}': missing category '{category}'",
                    {"category": category},
                )


def _check_authorities(cat: Catalogue, today: dt.date) -> Iterator[Problem]:
    """An ended authority's successors exist and work, so a customer who names it always gets somewhere."""
    file = "authorities.yml"
    for key, authority in cat.authorities.items():
        where = f"{file}: entry '{key}'"
        if authority.get("successors") and not authority.get("ended"):
            yield Problem(
                file,
                key,
                "successors",
                "successors_without_end",
                f"{where}: successors are only for an authority that has ended",
            )
        for i, successor in enumerate(authority.get("successors", [])):
            entry = cat.authorities.get(successor)
            if entry is None:
                yield Problem(
                    file,
                    key,
                    f"successors.{i}",
                    "unknown_successor",
                    f"{where}: unknown successor '{successor}'",
                    {"authority": successor},
                )
            elif successor == key or entry.get("ended"):
                yield Problem(
                    file,
                    key,
                    f"successors.{i}",
                    "successor_ended",
                    f"{where}: successor '{successor}' has ended itself; name the authority that works now",
                    {"authority": successor},
                )
        for i, service in enumerate(authority.get("point_services", [])):
            if service not in cat.services:
                yield Problem(
                    file,
                    key,
                    f"point_services.{i}",
                    "unknown_service",
                    f"{where}: unknown service '{service}' in point_services",
                    {"service": service},
                )
            elif cat.services[service]["authority"] != key:
                owner = cat.services[service]["authority"]
                yield Problem(
                    file,
                    key,
                    f"point_services.{i}",
                    "service_of_other_authority",
                    f"{where}: service '{service}' in point_services belongs to '{owner}'",
                    {"service": service, "authority": owner},
                )


def _check_sami(cat: Catalogue, today: dt.date) -> Iterator[Problem]:
    """sami.yml: one entry per Sámi language; routes name known languages and authorities."""
    if not cat.sami:
        return
    file = "sami.yml"
    yield from _unique_problems(file, cat.sami["languages"], "id")
    yield from _unique_problems(file, cat.sami["routes"], "id")
    known = {language["id"] for language in cat.sami["languages"]}
    for route in cat.sami["routes"]:
        for i, language in enumerate(route.get("languages", [])):
            if language not in known:
                yield Problem(
                    file,
                    route["id"],
                    f"languages.{i}",
                    "unknown_sami_language",
                    f"{file}: entry '{route['id']}': unknown Sámi language '{language}'",
                    {"language": language},
                )
        authority = route.get("authority")
        if authority and authority not in cat.authorities:
            yield Problem(
                file,
                route["id"],
                "authority",
                "unknown_authority",
                f"{file}: entry '{route['id']}': unknown authority '{authority}'",
                {"authority": authority},
            )
        elif authority and has_ended(cat.authorities[authority], today):
            yield Problem(
                file,
                route["id"],
                "authority",
                "authority_ended",
                f"{file}: entry '{route['id']}': authority '{authority}' has ended",
                {"authority": authority},
            )
    for i, language in enumerate(cat.point.get("remote_interpreting", [])):
        if language not in known:
            yield Problem(
                "point.yml",
                cat.point["id"],
                f"remote_interpreting.{i}",
                "unknown_sami_language",
                f"point.yml: entry '{cat.point['id']}': remote_interpreting names unknown Sámi language '{language}'",
                {"language": language},
            )


def _check_hours(
    file: str, entry: str, field_path: str, weekly: dict, slot_minutes: int, where: str | None = None
) -> Iterator[Problem]:
    """Ranges run forwards and sit on the slot grid, so one (resource, start) claim covers a slot."""
    where = where or f"{file}: entry '{entry}'"
    for day, spans in parse_hours(weekly).items():
        for start, end in spans:
            name = WEEKDAYS[day]
            if start >= end:
                yield Problem(
                    file,
                    entry,
                    f"{field_path}.{name}",
                    "hours_backwards",
                    f"{where}: hours on {name} end before they start",
                    {"day": name},
                )
            elif start % slot_minutes or end % slot_minutes:
                yield Problem(
                    file,
                    entry,
                    f"{field_path}.{name}",
                    "hours_off_grid",
                    f"{where}: hours on {name} are not on the {slot_minutes}-minute slot grid",
                    {"day": name, "slot_minutes": slot_minutes},
                )


def _check_format(
    file: str, entry: str | None, field_path: str, where: str, pattern: str, fields: tuple[str, ...]
) -> Iterator[Problem]:
    """A str.format pattern uses only the fields the code fills in."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        yield Problem(file, entry, field_path, "format_invalid", f"{where}: not a valid format: {exc}")
        return
    for name in names:
        if name not in fields:
            yield Problem(
                file,
                entry,
                field_path,
                "format_unknown_field",
                f"{where}: unknown field '{{{name}}}' (known: {', '.join(fields)})",
                {"name": name, "known": list(fields)},
            )


def _check_booking(cat: Catalogue) -> Iterator[Problem]:
    """booking.yml: known time zone and holiday country, hours on the grid, topics and calendars resolve."""
    booking, file = cat.booking, "booking.yml"
    slot = booking["slot_minutes"]
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(booking["timezone"])
    except (ValueError, OSError, KeyError):
        yield Problem(
            file,
            None,
            "timezone",
            "unknown_timezone",
            f"{file}: timezone: unknown time zone '{booking['timezone']}'",
            {"timezone": booking["timezone"]},
        )
    import holidays  # only here: the rest of the catalogue does not need it

    if booking["holiday_country"] not in holidays.list_supported_countries():
        yield Problem(
            file,
            None,
            "holiday_country",
            "unknown_holiday_country",
            f"{file}: holiday_country: '{booking['holiday_country']}' is not known to the holidays library",
            {"country": booking["holiday_country"]},
        )
    for i, day in enumerate(booking["closed_days"]):
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            yield Problem(
                file,
                None,
                f"closed_days.{i}",
                "closed_day_not_date",
                f"{file}: closed_days: '{day}' is not a date",
                {"day": day},
            )
    for kind, entry in booking["kinds"].items():
        yield from _check_hours(file, kind, f"kinds.{kind}.hours", entry["hours"], slot)
        for field_name in ("ics_summary", "ics_description"):
            for lang in LANGUAGES:
                yield from _check_format(
                    file,
                    kind,
                    f"kinds.{kind}.{field_name}.{lang}",
                    f"{file}: entry '{kind}': {field_name} {lang}",
                    entry[field_name][lang],
                    ICS_FIELDS,
                )
    topic_of: dict[tuple[str, str], str] = {}
    yield from _unique_problems(file, booking["topics"], "id")
    for topic in booking["topics"]:
        for what, list_name, known, values in (
            ("service", "services", cat.services, topic["services"]),
            ("life situation", "life_situations", cat.life_situations, topic["life_situations"]),
        ):
            for i, value in enumerate(values):
                path = f"{list_name}.{i}"
                if value not in known:
                    code = "unknown_service" if what == "service" else "unknown_life_situation"
                    message = f"{file}: entry '{topic['id']}': unknown {what} '{value}'"
                    yield Problem(file, topic["id"], path, code, message, {"value": value})
                elif (what, value) in topic_of:
                    yield Problem(
                        file,
                        topic["id"],
                        path,
                        "already_in_topic",
                        f"{file}: entry '{topic['id']}': {what} '{value}' already leads to topic "
                        f"'{topic_of[what, value]}'",
                        {"value": value, "topic": topic_of[what, value]},
                    )
                else:
                    topic_of[what, value] = topic["id"]
    topic_ids = {t["id"] for t in booking["topics"]}
    yield from _unique_problems(file, booking["calendars"], "id")
    for calendar in booking["calendars"]:
        if calendar["topic"] not in topic_ids:
            yield Problem(
                file,
                calendar["id"],
                "topic",
                "unknown_topic",
                f"{file}: entry '{calendar['id']}': unknown topic '{calendar['topic']}'",
                {"topic": calendar["topic"]},
            )
        if "hours" in calendar:
            yield from _check_hours(file, calendar["id"], "hours", calendar["hours"], slot)
    for lang, display in booking["display"].items():
        for field_name in ("slot", "date", "time"):
            where = f"{file}: display: {lang} {field_name}"
            path = f"display.{lang}.{field_name}"
            problems = list(_check_format(file, None, path, where, display[field_name], DISPLAY_FIELDS))
            yield from problems
            if not problems:
                try:
                    display[field_name].format(weekday="x", day=1, month=1, month_name="x", year=2000, hour=9, minute=0)
                except (ValueError, IndexError, KeyError) as exc:
                    yield Problem(file, None, path, "format_invalid", f"{where}: not a valid format: {exc}")
    rooms = cat.point.get("remote_rooms", [])
    yield from _unique_problems("point.yml", rooms, "id")
    for room in rooms:
        # The room is named as the entry (as before); the field path is inside the point.
        index = rooms.index(room)
        yield from _check_hours(
            "point.yml",
            cat.point["id"],
            f"remote_rooms.{index}.hours",
            room["hours"],
            slot,
            where=f"point.yml: entry '{room['id']}'",
        )


def _unique_problems(file: str, entries: list[dict], key: str) -> Iterator[Problem]:
    seen = set()
    for entry in entries:
        if entry[key] in seen:
            yield Problem(file, entry[key], key, "duplicate_key", f"{file}: entry '{entry[key]}': duplicate {key}")
        seen.add(entry[key])


def _intent_index(services: dict, situations: dict, problems: list[Problem]) -> dict[str, tuple[str, dict]]:
    index: dict[str, tuple[str, dict]] = {}
    entries = [("life_situations.yml", "life_situation", s) for s in situations.values()]
    entries += [("services.yml", "service", s) for s in services.values() if s.get("intent")]
    for file, kind, entry in entries:
        intent = entry["intent"]
        if intent in index:
            label = entry.get("id") or entry.get("code")
            problems.append(
                Problem(
                    file,
                    label,
                    "intent",
                    "intent_used_twice",
                    f"{file}: entry '{label}': intent '{intent}' is used twice",
                    {"intent": intent},
                )
            )
            continue
        index[intent] = (kind, entry)
    return index


def _standard_services(lists: list[dict], problems: list[Problem]) -> dict[str, dict[str, dict | None]]:
    found: dict[str, dict[str, dict | None]] = {}
    file = "advisor_tasks.yml"
    for entry in lists:
        where = f"{file}: standard list of '{entry['authority']}'"
        if entry["authority"] in found:
            problems.append(
                Problem(file, entry["authority"], "authority", "duplicate_key", f"{where}: duplicate authority")
            )
            continue
        services: dict[str, dict | None] = {}
        for i, item in enumerate(entry["services"]):
            if item["category"] in services:
                problems.append(
                    Problem(
                        file,
                        entry["authority"],
                        f"services.{i}.category",
                        "duplicate_category",
                        f"{where}: duplicate category '{item['category']}'",
                        {"category": item["category"]},
                    )
                )
                continue
            services[item["category"]] = item.get("name")
        found[entry["authority"]] = services
    return found


def data_dir_of(data_dir: str | os.PathLike | None = None) -> Path:
    """The catalogue's data directory: the one given, else CATALOGUE_DIR, else catalogue/data/."""
    return Path(data_dir or os.environ.get("CATALOGUE_DIR") or DEFAULT_DATA_DIR)


def read_documents(data_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Each catalogue file's YAML document by FILES name, unvalidated; CatalogueError if one is missing or not YAML."""
    folder = data_dir_of(data_dir)
    documents: dict[str, Any] = {}
    problems: list[Problem] = []
    for name in FILES:
        try:
            documents[name] = _read(folder / f"{name}.yml")
        except CatalogueError as exc:
            problems += exc.problems
    if problems:
        raise CatalogueError(problems)
    return documents


def load_documents(documents: dict[str, Any], today: dt.date | None = None) -> Catalogue:
    """Validate and index the catalogue's documents (as read_documents gives them); CatalogueError lists every problem.

    The documents are copied, so the Catalogue never changes with them.
    """
    documents = copy.deepcopy(documents)
    schema = _read(SCHEMA_FILE)
    problems: list[Problem] = []
    for name in FILES:
        if name not in documents:
            problems.append(Problem(f"{name}.yml", None, None, "file_missing", f"{name}.yml: file is missing"))
        else:
            problems += _validate_shape(name, documents[name], schema)
    if problems:
        # The cross-checks read the shape the schema promises, so they wait until it holds.
        raise CatalogueError(problems)
    cat = Catalogue(
        authorities=_unique("authorities.yml", documents["authorities"]["authorities"], "id", problems),
        channel_types=_unique("channel_types.yml", documents["channel_types"]["channel_types"], "id", problems),
        forms=_unique("forms.yml", documents["forms"]["forms"], "code", problems),
        services=_unique("services.yml", documents["services"]["services"], "id", problems),
        life_situations=_unique(
            "life_situations.yml", documents["life_situations"]["life_situations"], "code", problems
        ),
        advisor_tasks=_unique("advisor_tasks.yml", documents["advisor_tasks"]["advisor_tasks"], "id", problems),
        point=documents["point"]["point"],
        booking=documents["booking"],
        sami=documents["sami"],
        standard_services=_standard_services(documents["advisor_tasks"]["standard_services"], problems),
    )
    problems += _cross_check(cat, today or dt.date.today())
    by_intent = _intent_index(cat.services, cat.life_situations, problems)
    if problems:
        raise CatalogueError(problems)
    object.__setattr__(cat, "by_intent", by_intent)
    object.__setattr__(cat, "form_index", _form_index(cat.forms))
    return cat


def load_catalogue(data_dir: str | os.PathLike | None = None, today: dt.date | None = None) -> Catalogue:
    """Read, validate and index every catalogue file; raise CatalogueError naming every problem."""
    return load_documents(read_documents(data_dir), today)
