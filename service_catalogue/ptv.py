"""Services and the service point from a Suomi.fi PTV open API (v11) JSON file, compared with the catalogue.

The municipality fetches the file (docs/ptv-import.md); nothing here uses the network. `read` checks and
parses it into plain PTV data, `compare` turns that into catalogue entries (services, authorities, the
point) and says of each whether it is new, differs from the published catalogue (which fields) or is the same.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

from service_catalogue.loader import LANGUAGES, SCHEMA_FILE, WEEKDAYS

# A municipality's whole service list is a few hundred kilobytes; anything near this is not one.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_SERVICES = 1000
# PTV's own limits are 100 (names) and 2500 (descriptions); a longer value is not PTV data.
MAX_TEXT = 5000
MAX_DEPTH = 3
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
PTV_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")
TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)(:[0-5]\d)?$")
STATUS_NEW, STATUS_DIFFERS, STATUS_SAME = "new", "differs", "same"


class PtvError(ValueError):
    """The file is not one the import can read; `code` names the reason (an i18n key under ptv.errors)."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class PtvService:
    """One service as PTV describes it (only what the catalogue uses)."""

    ptv_id: str
    names: dict[str, str]
    descriptions: dict[str, str]
    organization_id: str | None
    organization_name: str
    languages: list[str]


@dataclass(frozen=True)
class PtvLocation:
    """The point's service location channel as PTV describes it."""

    ptv_id: str
    names: dict[str, str]
    addresses: dict[str, str]
    hours: dict[str, list[str]] | None
    languages: list[str]
    phone: str | None
    email: str | None
    # Codes (ptv.notes.*) of what the import left out, such as exceptional opening hours.
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PtvFile:
    """What a file (or several) held: services, at most one service location channel, what was skipped."""

    services: list[PtvService]
    location: PtvLocation | None
    skipped: int = 0

    def dump(self) -> dict:
        """Plain data (for the review form), read back with `PtvFile.load`."""
        return asdict(self)

    @classmethod
    def load(cls, data: dict) -> PtvFile:
        """The file from `dump`'s data."""
        location = data.get("location")
        return cls(
            services=[PtvService(**s) for s in data.get("services", [])],
            location=PtvLocation(**location) if location else None,
            skipped=int(data.get("skipped", 0)),
        )


@dataclass(frozen=True)
class HoursWords:
    """How each language writes opening hours (from the ptv.hours texts): weekday abbreviations and patterns."""

    weekdays: dict[str, dict[str, str]]
    day_range: dict[str, str]
    day_times: dict[str, str]
    time_range: dict[str, str]
    hour: dict[str, str]
    hour_minutes: dict[str, str]
    join: dict[str, str]

    @classmethod
    def from_texts(cls, section: dict[str, dict]) -> HoursWords:
        """From the `ptv` texts of every language ({'fi': {...}, 'sv': ..., 'en': ...})."""
        hours = {lang: section[lang]["hours"] for lang in LANGUAGES}
        return cls(
            **{
                name: {lang: hours[lang][name] for lang in LANGUAGES}
                for name in ("weekdays", "day_range", "day_times", "time_range", "hour", "hour_minutes", "join")
            }
        )


@dataclass
class Change:
    """One field that the import changes: its dotted path, the catalogue's value and PTV's."""

    field: str
    before: Any
    after: Any


@dataclass
class Proposal:
    """One catalogue entry the file gives: the whole entry to save as a draft and how it differs."""

    kind: str
    key: str
    ptv_id: str
    status: str
    entry: dict
    changes: list[Change]
    # Entries of this import that must be accepted with it (a new authority of a new service).
    needs: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The languages PTV says the service or the channel is offered in.
    languages: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """The proposal's form key, `kind:key`."""
        return f"{self.kind}:{self.key}"


# --- reading ---------------------------------------------------------------------------------------------


def read(data: bytes) -> PtvFile:
    """Parse one uploaded file; PtvError when it is too big, not JSON or not PTV data."""
    return parse(decode(data))


def decode(data: bytes) -> Any:
    """The JSON document of a file, within the size limit."""
    if len(data) > MAX_FILE_BYTES:
        raise PtvError("too_big")
    if not data.strip():
        raise PtvError("empty")
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise PtvError("not_json", str(exc)[:200]) from None


def _items(document: Any, depth: int = 0) -> Iterator[Any]:
    """Services and channels of a document: one object, a list, a page ({"itemList": [...]}) or lists of those."""
    if depth > MAX_DEPTH:
        return
    if isinstance(document, list):
        for item in document:
            yield from _items(item, depth + 1)
    elif isinstance(document, dict) and isinstance(document.get("itemList"), list):
        yield from _items(document["itemList"], depth + 1)
    else:
        yield document


def parse(*documents: Any) -> PtvFile:
    """The services and the service location channel of one or more decoded PTV documents."""
    services: dict[str, PtvService] = {}
    locations: list[PtvLocation] = []
    skipped = 0
    for document in documents:
        for item in _items(document):
            if not isinstance(item, dict):
                skipped += 1
            elif "serviceChannelType" in item:
                if item.get("serviceChannelType") == "ServiceLocation" and _published(item):
                    locations.append(_location(item))
                else:
                    skipped += 1
            elif "serviceNames" in item:
                if _published(item):
                    service = _service(item)
                    services[service.ptv_id] = service
                else:
                    skipped += 1
            else:
                skipped += 1
            if len(services) > MAX_SERVICES:
                raise PtvError("too_many")
    if not services and not locations:
        raise PtvError("not_ptv")
    if len({loc.ptv_id for loc in locations}) > 1:
        raise PtvError("many_locations")
    return PtvFile(list(services.values()), locations[0] if locations else None, skipped)


def _published(item: dict) -> bool:
    # The open API returns published versions; a file saved from the restricted "active" endpoints may
    # hold drafts, which are not the municipality's public facts yet.
    return item.get("publishingStatus") in (None, "Published")


def _guid(value: Any) -> str:
    if not isinstance(value, str) or not GUID.match(value):
        raise PtvError("not_ptv", "an id is not a PTV identifier")
    return value.lower()


def _text(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    if len(value) > MAX_TEXT:
        raise PtvError("too_long")
    return " ".join(value.split()) if "\n" not in value else value.strip()


def _localized(items: Any, *types: str) -> dict[str, str]:
    """{lang: value} of VmOpenApiLocalizedListItem/VmOpenApiLanguageItem lists, the first type that has one."""
    found: dict[str, str] = {}
    if not isinstance(items, list):
        return found
    for wanted in types or (None,):
        for item in items:
            if not isinstance(item, dict) or (wanted and item.get("type") != wanted):
                continue
            lang, value = item.get("language"), _text(item.get("value"))
            if lang in LANGUAGES and value and lang not in found:
                found[lang] = value
    return found


def _languages(value: Any) -> list[str]:
    """Language codes as PTV lists them (fi, sv, en, se, ...), each once, in PTV's order."""
    if not isinstance(value, list):
        return []
    codes = [code for code in value if isinstance(code, str) and LANGUAGE_CODE.match(code)]
    return list(dict.fromkeys(codes))[:20]


def _service(item: dict) -> PtvService:
    main = item.get("mainOrganization") if isinstance(item.get("mainOrganization"), dict) else None
    if not main:
        for role in item.get("organizations") or []:
            if isinstance(role, dict) and role.get("roleType") == "Responsible":
                main = role.get("organization") if isinstance(role.get("organization"), dict) else None
                break
    organization_id = _guid(main["id"]) if main and main.get("id") else None
    return PtvService(
        ptv_id=_guid(item.get("id")),
        names=_localized(item.get("serviceNames"), "Name"),
        # A file from the serviceWithGD endpoints also holds the attached general description's texts,
        # marked GD_: they stand in only where the service has no text of its own.
        descriptions=_localized(
            item.get("serviceDescriptions"), "Summary", "Description", "GD_Summary", "GD_Description"
        ),
        organization_id=organization_id,
        organization_name=_text(main.get("name")) if main else "",
        languages=_languages(item.get("languages")),
    )


def _address(addresses: Any) -> dict[str, str]:
    """'Street 1, 00100 Town' per language from the first Location address with a street address."""
    if not isinstance(addresses, list):
        return {}
    for address in addresses:
        if not isinstance(address, dict) or address.get("type") not in (None, "Location"):
            continue
        street = address.get("streetAddress")
        if not isinstance(street, dict):
            continue
        streets, offices = _localized(street.get("street")), _localized(street.get("postOffice"))
        number, postal = _text(street.get("streetNumber")), _text(street.get("postalCode"))
        result = {}
        for lang in LANGUAGES:
            # A street's and a town's names are proper names: English uses the Finnish ones.
            name = streets.get(lang) or (streets.get("fi") if lang == "en" else None)
            office = offices.get(lang) or (offices.get("fi") if lang == "en" else None)
            # PTV keeps post offices in capitals (TESTIKUNTA); the catalogue writes them as names.
            office = office.title() if office and office.isupper() else office
            if name:
                result[lang] = f"{name} {number}".strip() + (f", {postal} {office or ''}".rstrip() if postal else "")
        return result
    return {}


def _time(value: Any) -> str:
    match = TIME.match(value) if isinstance(value, str) else None
    if not match:
        raise PtvError("bad_hours", str(value)[:20])
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _in_force(entry: dict, today: dt.date) -> bool:
    if entry.get("validForNow"):
        return True

    def day(name: str) -> dt.date | None:
        value = entry.get(name)
        try:
            return dt.date.fromisoformat(value[:10]) if isinstance(value, str) else None
        except ValueError:
            return None

    start, end = day("validFrom"), day("validTo")
    return (start is None or start <= today) and (end is None or today <= end)


def _weekly(entry: dict) -> dict[str, list[str]]:
    if entry.get("isClosed"):
        return {}
    if entry.get("isAlwaysOpen"):
        return {key: ["00:00-24:00"] for key in WEEKDAYS}
    hours: dict[str, list[str]] = {}
    for opening in entry.get("openingHour") or []:
        if not isinstance(opening, dict) or opening.get("dayFrom") not in PTV_DAYS:
            continue
        first = PTV_DAYS.index(opening["dayFrom"])
        last = PTV_DAYS.index(opening["dayTo"]) if opening.get("dayTo") in PTV_DAYS else first
        start, end = _time(opening.get("from")), _time(opening.get("to"))
        end = "24:00" if end == "00:00" else end
        if start >= end:
            continue  # over midnight: the catalogue's hours cannot say it
        for offset in range((last - first) % 7 + 1):
            hours.setdefault(WEEKDAYS[(first + offset) % 7], []).append(f"{start}-{end}")
    return {key: sorted(set(hours[key])) for key in WEEKDAYS if key in hours}


def _location(item: dict, today: dt.date | None = None) -> PtvLocation:
    today = today or dt.date.today()
    notes = []
    weekly = [
        entry
        for entry in item.get("serviceHours") or []
        if isinstance(entry, dict) and entry.get("serviceHourType") == "DaysOfTheWeek" and _in_force(entry, today)
    ]
    if any(isinstance(e, dict) and e.get("serviceHourType") == "Exceptional" for e in item.get("serviceHours") or []):
        notes.append("exceptional_hours")
    if any(isinstance(e, dict) and e.get("serviceHourType") == "OverMidnight" for e in item.get("serviceHours") or []):
        notes.append("over_midnight")
    weekly.sort(key=lambda e: (not e.get("validForNow"), e.get("orderNumber") or 0))
    if len(weekly) > 1:
        notes.append("several_hours")
    phones = [p for p in item.get("phoneNumbers") or [] if isinstance(p, dict) and p.get("type") in (None, "Phone")]
    phone = None
    if phones and _text(phones[0].get("number")):
        phone = f"{_text(phones[0].get('prefixNumber'))} {_text(phones[0].get('number'))}".strip()
    emails = _localized(item.get("supportEmails"))
    return PtvLocation(
        ptv_id=_guid(item.get("id")),
        names=_localized(item.get("serviceChannelNames"), "Name"),
        addresses=_address(item.get("addresses")),
        hours=_weekly(weekly[0]) if weekly else None,
        languages=_languages(item.get("languages")),
        phone=phone,
        email=next(iter(emails.values()), None) if emails else None,
        notes=notes,
    )


# --- opening hours as text ----------------------------------------------------------------------------------


def _clock(value: str, lang: str, words: HoursWords) -> str:
    hour, minute = value.split(":")
    pattern = words.hour[lang] if minute == "00" else words.hour_minutes[lang]
    return pattern.format(h=int(hour), m=minute)


def hours_text(hours: dict[str, list[str]], lang: str, words: HoursWords) -> str:
    """Weekly hours in words: 'ma–pe klo 9–16' (consecutive days with the same hours in one range)."""
    groups: list[tuple[list[str], list[str]]] = []
    for key in WEEKDAYS:
        times = hours.get(key)
        if not times:
            continue
        previous = groups[-1] if groups else None
        if previous and previous[1] == times and WEEKDAYS.index(previous[0][-1]) == WEEKDAYS.index(key) - 1:
            previous[0].append(key)
        else:
            groups.append(([key], times))
    parts = []
    for days, times in groups:
        names = words.weekdays[lang]
        day_text = (
            names[days[0]]
            if len(days) == 1
            else words.day_range[lang].format(first=names[days[0]], last=names[days[-1]])
        )
        time_text = words.join[lang].join(
            words.time_range[lang].format(
                start=_clock(span.split("-")[0], lang, words), end=_clock(span.split("-")[1], lang, words)
            )
            for span in times
        )
        parts.append(words.day_times[lang].format(days=day_text, times=time_text))
    return words.join[lang].join(parts)


# --- comparing with the catalogue -----------------------------------------------------------------------


def service_key(ptv_id: str) -> str:
    """The catalogue id of a service imported from PTV."""
    return f"ptv_{ptv_id.replace('-', '')[:8].lower()}"


def authority_key(ptv_id: str) -> str:
    """The catalogue id of an authority made from a PTV organisation."""
    return f"ptv_org_{ptv_id.replace('-', '')[:8].lower()}"


def ptv_note(ptv_id: str) -> str:
    """The note that ties a catalogue entry to its PTV identifier."""
    return f"PTV {ptv_id}"


def point_fields(schema_file: Path = SCHEMA_FILE) -> set[str]:
    """The fields the catalogue schema allows on the point (languages only when the schema has them)."""
    with schema_file.open(encoding="utf-8") as handle:
        schema = yaml.safe_load(handle)
    return set(schema["files"]["point"]["properties"]["point"]["properties"])


def _entries(documents: dict, file: str) -> list[dict]:
    document = documents.get(file) or {}
    entries = document.get(file) if isinstance(document, dict) else None
    return entries if isinstance(entries, list) else []


def flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """A nested mapping as {dotted path: value}; lists stay whole."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flat(item, f"{prefix}{key}."))
        return out or {prefix.rstrip("."): {}}
    return {prefix.rstrip("."): value}


def differences(before: dict | None, after: dict) -> list[Change]:
    """The fields (dotted paths; lists compared whole) whose values differ."""
    old, new = flat(before or {}), flat(after)
    return [
        Change(path, old.get(path), new.get(path))
        for path in sorted(set(old) | set(new))
        if old.get(path) != new.get(path)
    ]


def _proposal(kind: str, key: str, ptv_id: str, before: dict | None, after: dict, **extra: Any) -> Proposal:
    changes = differences(before, after)
    status = STATUS_NEW if before is None else STATUS_DIFFERS if changes else STATUS_SAME
    return Proposal(kind, key, ptv_id, status, after, changes if before is not None else [], **extra)


def _merge_texts(existing: dict | None, ptv: dict[str, str]) -> dict[str, str]:
    """PTV's text per language; a language PTV lacks keeps the catalogue's (a new entry gets '' to fill in)."""
    existing = existing if isinstance(existing, dict) else {}
    return {lang: ptv.get(lang) or existing.get(lang, "") for lang in LANGUAGES}


def _find_authority(service: PtvService, authorities: list[dict]) -> dict | None:
    if not service.organization_id:
        return None
    key, note = authority_key(service.organization_id), ptv_note(service.organization_id)
    name = service.organization_name.casefold()
    for authority in authorities:
        if authority.get("id") == key or note in str(authority.get("note", "")):
            return authority
    for authority in authorities:
        names = [*authority.get("name", {}).values(), *authority.get("full_name", {}).values()]
        names += authority.get("short_names", [])
        if name and name in {str(n).casefold() for n in names}:
            return authority
    return None


def _new_authority(service: PtvService) -> dict:
    assert service.organization_id
    name = {"fi": service.organization_name, "sv": "", "en": ""}
    # The names in Swedish and English and the web address are left empty: the catalogue's own check
    # refuses to publish until the editor has completed them.
    return {
        "id": authority_key(service.organization_id),
        "name": name,
        "full_name": dict(name),
        "url": dict.fromkeys(LANGUAGES, ""),
        "verified": False,
        "note": ptv_note(service.organization_id),
    }


def compare(ptv: PtvFile, documents: dict, words: HoursWords, fields: set[str] | None = None) -> list[Proposal]:
    """Every entry the file gives, against the catalogue's documents (loader file name -> YAML document)."""
    services = _entries(documents, "services")
    authorities = _entries(documents, "authorities")
    by_id = {s.get("id"): s for s in services}
    proposals: list[Proposal] = []
    new_authorities: dict[str, Proposal] = {}
    for service in ptv.services:
        note = ptv_note(service.ptv_id)
        existing = by_id.get(service_key(service.ptv_id)) or next(
            (s for s in services if note in str(s.get("note", ""))), None
        )
        notes: list[str] = []
        needs: list[tuple[str, str]] = []
        authority = _find_authority(service, authorities)
        if authority is not None:
            authority_id = authority["id"]
        elif service.organization_id:
            made = _new_authority(service)
            authority_id = made["id"]
            if authority_id not in new_authorities:
                new_authorities[authority_id] = _proposal(
                    "authority", authority_id, service.organization_id, None, made, notes=["authority_incomplete"]
                )
            needs.append(("authority", authority_id))
        else:
            authority_id = (existing or {}).get("authority", "")
            notes.append("no_organisation")
        if existing is None:
            entry: dict[str, Any] = {
                "id": service_key(service.ptv_id),
                "authority": authority_id,
                "name": _merge_texts(None, service.names),
                "description": _merge_texts(None, service.descriptions),
                "channels": [],
                "forms": [],
                "advisor_tasks": [],
                "needs_advisor": False,
                "verified": False,
                "note": note,
            }
        else:
            entry = copy.deepcopy(existing)
            entry["name"] = _merge_texts(existing.get("name"), service.names)
            entry["description"] = _merge_texts(existing.get("description"), service.descriptions)
            if authority_id:
                entry["authority"] = authority_id
        if any(not entry["name"][lang] or not entry["description"][lang] for lang in LANGUAGES):
            notes.append("missing_language")
        proposals.append(
            _proposal(
                "service",
                entry["id"],
                service.ptv_id,
                existing,
                entry,
                needs=needs,
                notes=notes,
                languages=service.languages,
            )
        )
    proposals[:0] = new_authorities.values()
    if ptv.location is not None:
        proposals.append(_point(ptv.location, documents, words, fields))
    return proposals


def _point(location: PtvLocation, documents: dict, words: HoursWords, fields: set[str] | None) -> Proposal:
    document = documents.get("point") or {}
    existing = document.get("point") if isinstance(document, dict) else None
    entry = copy.deepcopy(existing) if isinstance(existing, dict) else {}
    notes = list(location.notes)
    entry["name"] = _merge_texts(entry.get("name"), location.names)
    entry["address"] = _merge_texts(entry.get("address"), location.addresses)
    if location.hours is not None:
        entry["hours"] = location.hours
        entry["opening_hours"] = {lang: hours_text(location.hours, lang, words) for lang in LANGUAGES}
    else:
        notes.append("no_hours")
    if location.languages and (fields is None or "languages" in fields):
        entry["languages"] = location.languages
    elif location.languages:
        notes.append("languages_not_stored")
    if location.phone:
        entry["phone"] = location.phone
    if location.email:
        entry["email"] = location.email
    before = existing if isinstance(existing, dict) else None
    return _proposal("point", "point", location.ptv_id, before, entry, notes=notes, languages=location.languages)
