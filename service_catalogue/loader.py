"""Loads and validates the service catalogue (YAML under catalogue/data/)."""

from __future__ import annotations

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
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DISPLAY_FIELDS = ("weekday", "day", "month", "month_name", "year", "hour", "minute")
ICS_FIELDS = ("topic", "reference", "room")


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
            f"{path.name}: {_entry_name(document, first)}: {first.message}" + (f" (at {where})" if where else "")
        )


def _unique(file: str, entries: list[dict], key: str) -> dict[str, dict]:
    seen: dict[str, dict] = {}
    for entry in entries:
        value = entry[key]
        if value in seen:
            raise CatalogueError(f"{file}: entry '{value}': duplicate {key}")
        seen[value] = entry
    return seen


def has_ended(authority: dict, today: dt.date) -> bool:
    """True when the authority's `ended` date is before `today` (ELY centres ended in 2025)."""
    return bool(authority.get("ended")) and dt.date.fromisoformat(str(authority["ended"])) < today


def _cross_check(cat: Catalogue, today: dt.date) -> Iterator[str]:
    """Every reference resolves; nothing sends a customer to an authority that has ended."""
    for file, entries in (("forms.yml", cat.forms), ("services.yml", cat.services)):
        for key, entry in entries.items():
            authority = cat.authorities.get(entry["authority"])
            if authority is None:
                yield f"{file}: entry '{key}': unknown authority '{entry['authority']}'"
            elif has_ended(authority, today):
                yield (
                    f"{file}: entry '{key}': authority '{entry['authority']}' ended on "
                    f"{authority['ended']}; no customer may be sent there"
                )
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
    for day, spans in parse_hours(cat.point["hours"]).items():
        if any(start >= end for start, end in spans):
            yield f"point.yml: entry '{cat.point['id']}': hours on {WEEKDAYS[day]} end before they start"
    yield from _check_authorities(cat, today)
    yield from _check_standard_services(cat, today)
    yield from _check_sami(cat, today)
    yield from _check_booking(cat)


def _check_standard_services(cat: Catalogue, today: dt.date) -> Iterator[str]:
    """Every list names known ids, and every working authority has one with what is recorded for any authority."""
    for authority, services in cat.standard_services.items():
        where = f"advisor_tasks.yml: standard list of '{authority}'"
        if authority not in cat.authorities:
            yield f"{where}: unknown authority"
        for category in services:
            if category not in cat.advisor_tasks:
                yield f"{where}: unknown category '{category}'"
    # Feedback and received documents may name any working authority, and a form card its form's.
    for authority in cat.active_authorities(today):
        for category in ("feedback", "receive_documents", "hand_out_material"):
            if not cat.valid_pair(authority, category):
                yield f"advisor_tasks.yml: standard list of '{authority}': missing category '{category}'"


def _check_authorities(cat: Catalogue, today: dt.date) -> Iterator[str]:
    """An ended authority's successors exist and work, so a customer who names it always gets somewhere."""
    for key, authority in cat.authorities.items():
        where = f"authorities.yml: entry '{key}'"
        if authority.get("successors") and not authority.get("ended"):
            yield f"{where}: successors are only for an authority that has ended"
        for successor in authority.get("successors", []):
            entry = cat.authorities.get(successor)
            if entry is None:
                yield f"{where}: unknown successor '{successor}'"
            elif successor == key or entry.get("ended"):
                yield f"{where}: successor '{successor}' has ended itself; name the authority that works now"
        for service in authority.get("point_services", []):
            if service not in cat.services:
                yield f"{where}: unknown service '{service}' in point_services"
            elif cat.services[service]["authority"] != key:
                owner = cat.services[service]["authority"]
                yield f"{where}: service '{service}' in point_services belongs to '{owner}'"


def _check_sami(cat: Catalogue, today: dt.date) -> Iterator[str]:
    """sami.yml: one entry per Sámi language; routes name known languages and authorities."""
    if not cat.sami:
        return
    yield from _unique_problems("sami.yml", cat.sami["languages"], "id")
    yield from _unique_problems("sami.yml", cat.sami["routes"], "id")
    known = {language["id"] for language in cat.sami["languages"]}
    for route in cat.sami["routes"]:
        for language in route.get("languages", []):
            if language not in known:
                yield f"sami.yml: entry '{route['id']}': unknown Sámi language '{language}'"
        authority = route.get("authority")
        if authority and authority not in cat.authorities:
            yield f"sami.yml: entry '{route['id']}': unknown authority '{authority}'"
        elif authority and has_ended(cat.authorities[authority], today):
            yield f"sami.yml: entry '{route['id']}': authority '{authority}' has ended"
    for language in cat.point.get("remote_interpreting", []):
        if language not in known:
            yield f"point.yml: entry '{cat.point['id']}': remote_interpreting names unknown Sámi language '{language}'"


def _check_hours(where: str, weekly: dict, slot_minutes: int) -> Iterator[str]:
    """Ranges run forwards and sit on the slot grid, so one (resource, start) claim covers a slot."""
    for day, spans in parse_hours(weekly).items():
        for start, end in spans:
            if start >= end:
                yield f"{where}: hours on {WEEKDAYS[day]} end before they start"
            elif start % slot_minutes or end % slot_minutes:
                yield f"{where}: hours on {WEEKDAYS[day]} are not on the {slot_minutes}-minute slot grid"


def _check_format(where: str, pattern: str, fields: tuple[str, ...]) -> Iterator[str]:
    """A str.format pattern uses only the fields the code fills in."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None]
    except ValueError as exc:
        yield f"{where}: not a valid format: {exc}"
        return
    for name in names:
        if name not in fields:
            yield f"{where}: unknown field '{{{name}}}' (known: {', '.join(fields)})"


def _check_booking(cat: Catalogue) -> Iterator[str]:
    """booking.yml: known time zone and holiday country, hours on the grid, topics and calendars resolve."""
    booking, file = cat.booking, "booking.yml"
    slot = booking["slot_minutes"]
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(booking["timezone"])
    except (ValueError, OSError, KeyError):
        yield f"{file}: timezone: unknown time zone '{booking['timezone']}'"
    import holidays  # only here: the rest of the catalogue does not need it

    if booking["holiday_country"] not in holidays.list_supported_countries():
        yield f"{file}: holiday_country: '{booking['holiday_country']}' is not known to the holidays library"
    for day in booking["closed_days"]:
        try:
            dt.date.fromisoformat(day)
        except ValueError:
            yield f"{file}: closed_days: '{day}' is not a date"
    for kind, entry in booking["kinds"].items():
        yield from _check_hours(f"{file}: entry '{kind}'", entry["hours"], slot)
        for field_name in ("ics_summary", "ics_description"):
            for lang in LANGUAGES:
                yield from _check_format(
                    f"{file}: entry '{kind}': {field_name} {lang}", entry[field_name][lang], ICS_FIELDS
                )
    topic_of: dict[tuple[str, str], str] = {}
    yield from _unique_problems(file, booking["topics"], "id")
    for topic in booking["topics"]:
        for what, known, values in (
            ("service", cat.services, topic["services"]),
            ("life situation", cat.life_situations, topic["life_situations"]),
        ):
            for value in values:
                if value not in known:
                    yield f"{file}: entry '{topic['id']}': unknown {what} '{value}'"
                elif (what, value) in topic_of:
                    yield (
                        f"{file}: entry '{topic['id']}': {what} '{value}' already leads to topic "
                        f"'{topic_of[what, value]}'"
                    )
                else:
                    topic_of[what, value] = topic["id"]
    topic_ids = {t["id"] for t in booking["topics"]}
    yield from _unique_problems(file, booking["calendars"], "id")
    for calendar in booking["calendars"]:
        if calendar["topic"] not in topic_ids:
            yield f"{file}: entry '{calendar['id']}': unknown topic '{calendar['topic']}'"
        if "hours" in calendar:
            yield from _check_hours(f"{file}: entry '{calendar['id']}'", calendar["hours"], slot)
    for lang, display in booking["display"].items():
        for field_name in ("slot", "date", "time"):
            where = f"{file}: display: {lang} {field_name}"
            problems = list(_check_format(where, display[field_name], DISPLAY_FIELDS))
            yield from problems
            if not problems:
                try:
                    display[field_name].format(weekday="x", day=1, month=1, month_name="x", year=2000, hour=9, minute=0)
                except (ValueError, IndexError, KeyError) as exc:
                    yield f"{where}: not a valid format: {exc}"
    rooms = cat.point.get("remote_rooms", [])
    yield from _unique_problems("point.yml", rooms, "id")
    for room in rooms:
        yield from _check_hours(f"point.yml: entry '{room['id']}'", room["hours"], slot)


def _unique_problems(file: str, entries: list[dict], key: str) -> Iterator[str]:
    seen = set()
    for entry in entries:
        if entry[key] in seen:
            yield f"{file}: entry '{entry[key]}': duplicate {key}"
        seen.add(entry[key])


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


def _standard_services(lists: list[dict]) -> dict[str, dict[str, dict | None]]:
    found: dict[str, dict[str, dict | None]] = {}
    for entry in lists:
        if entry["authority"] in found:
            raise CatalogueError(f"advisor_tasks.yml: standard list of '{entry['authority']}': duplicate authority")
        services: dict[str, dict | None] = {}
        for item in entry["services"]:
            if item["category"] in services:
                where = f"advisor_tasks.yml: standard list of '{entry['authority']}'"
                raise CatalogueError(f"{where}: duplicate category '{item['category']}'")
            services[item["category"]] = item.get("name")
        found[entry["authority"]] = services
    return found


def load_catalogue(data_dir: str | os.PathLike | None = None, today: dt.date | None = None) -> Catalogue:
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
        life_situations=_unique("life_situations.yml", documents["life_situations"]["life_situations"], "code"),
        advisor_tasks=_unique("advisor_tasks.yml", documents["advisor_tasks"]["advisor_tasks"], "id"),
        point=documents["point"]["point"],
        booking=documents["booking"],
        sami=documents["sami"],
        standard_services=_standard_services(documents["advisor_tasks"]["standard_services"]),
    )
    problems = list(_cross_check(cat, today or dt.date.today()))
    if problems:
        raise CatalogueError("\n".join(problems))
    object.__setattr__(cat, "by_intent", _intent_index(cat.services, cat.life_situations))
    object.__setattr__(cat, "form_index", _form_index(cat.forms))
    return cat
