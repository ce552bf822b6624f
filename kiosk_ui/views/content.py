"""The content editor's forms: a catalogue entry as form fields (walked over the catalogue's schema), the posted
form parsed back into the entry by dotted field paths, and the messages the assistant would send about it."""

from __future__ import annotations

import copy
import functools
import re
import string
from pathlib import Path
from typing import Any

import yaml

from service_catalogue import views
from service_catalogue.loader import KIND_FILES, LANGUAGES, SCHEMA_FILE, WEEKDAYS, Catalogue

RESPONSES_FILE = Path(__file__).resolve().parents[2] / "bot" / "domain" / "responses.yml"

POINT_KEY = "point"
# The kinds an editor may add; the point exists once.
NEW_KINDS = ("life_situation", "service", "form", "authority")
MAX_KEY = 128
# Every posted value is cut to this (the longest texts, a service's description, are under 1,000 characters).
MAX_VALUE = 4000

# How many characters of a text fit the kiosk's screen without scrolling past the card (a 1080 px wide
# portrait screen at the kiosk's font size): the counts above these get a warning, never a refusal, because
# the widget and a printed sheet have room for more. Keyed by the field's own name; others get DEFAULT.
TEXT_LIMITS = {
    "name": 60,  # a card title or a checklist line's heading: one line on the kiosk
    "full_name": 90,
    "description": 400,  # the service answer's body: about six lines on the kiosk
    "note": 160,  # a checklist step or a channel line: two lines
    "returned_to": 100,
    "address": 100,
    "opening_hours": 80,
    "remote_service_hours": 120,
    "succession": 300,
    "online_service": 40,
    "url": 200,
}
DEFAULT_TEXT_LIMIT = 300


@functools.cache
def schema() -> dict:
    """The catalogue's JSON schema (catalogue/schema.yml), read once when first needed."""
    with SCHEMA_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _resolve(node: dict) -> dict:
    ref = node.get("$ref")
    if ref:
        return schema()["$defs"][ref.rsplit("/", 1)[1]]
    return node


def _is_text(node: dict) -> bool:
    return node.get("$ref") == "#/$defs/text"


def entry_schema(kind: str) -> dict:
    """The schema of one entry of a kind."""
    file, list_key, _ = KIND_FILES[kind]
    top = schema()["files"][file]["properties"][list_key]
    return top["items"] if kind != "point" else top


def key_field(kind: str) -> str | None:
    """The field that names an entry of this kind (id or code); None for the point."""
    return KIND_FILES[kind][2]


def key_pattern(kind: str) -> str:
    """The schema's pattern for this kind's id or code."""
    field = key_field(kind)
    node = _resolve(entry_schema(kind)["properties"][field]) if field else {}
    return str(node.get("pattern", r"^[a-z0-9_]+$"))


def valid_key(kind: str, key: str) -> bool:
    """Whether a typed id or code is one the schema takes for this kind."""
    if kind == "point":
        return key == POINT_KEY
    return 0 < len(key) <= MAX_KEY and re.fullmatch(key_pattern(kind).strip("^$"), key) is not None


def entry_key(kind: str, entry: dict) -> str:
    """An entry's key: its id or code, "point" for the point."""
    field = key_field(kind)
    return str(entry.get(field, "")) if field else POINT_KEY


def entry_name(kind: str, entry: dict, lang: str) -> str:
    """The entry's name in the page language, else any language, else its key."""
    name = entry.get("name")
    if isinstance(name, dict):
        for code in (lang, *LANGUAGES):
            if name.get(code):
                return str(name[code])
    return entry_key(kind, entry)


# --- the skeleton of a new entry ----------------------------------------------------------------------------


def skeleton(node: dict) -> Any:
    """An empty value of a schema node: required fields only, texts with three empty languages."""
    if _is_text(node):
        return dict.fromkeys(LANGUAGES, "")
    node = _resolve(node)
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return {
            name: skeleton(node["properties"][name])
            for name in node.get("required", [])
            if name in node.get("properties", {})
        }
    if kind == "array":
        return [skeleton(node["items"]) for _ in range(node.get("minItems", 0))]
    if kind == "boolean":
        return False
    if isinstance(kind, list) and "null" in kind:
        return None
    return ""


def new_entry(kind: str, key: str) -> dict:
    """A new entry of a kind: the schema's required fields, the key as typed, `verified` false."""
    entry = skeleton(entry_schema(kind))
    field = key_field(kind)
    if field:
        entry[field] = key
    if "verified" in entry_schema(kind)["properties"]:
        entry["verified"] = False
    return entry


# --- the entry as fields --------------------------------------------------------------------------------------


def _leaf(path: str) -> str:
    """A path's own name: 'steps.2.note' -> 'note'."""
    return next((part for part in reversed(path.split(".")) if not part.isdigit()), path)


def _is_weekly(node: dict) -> bool:
    names = node.get("propertyNames", {}).get("enum")
    return names == list(WEEKDAYS) and isinstance(node.get("additionalProperties"), dict)


def _field(node: dict, value: Any, path: str, required: bool) -> dict | None:
    """One field of the form as a mapping the template draws (widget, path, value ...); None: not editable."""
    base = {"path": path, "name": _leaf(path), "required": required, "id": "f-" + path.replace(".", "-")}
    if _is_text(node):
        values = value if isinstance(value, dict) else {}
        limit = TEXT_LIMITS.get(_leaf(path), DEFAULT_TEXT_LIMIT)
        return {
            **base,
            "widget": "text",
            "values": {lang: str(values.get(lang) or "") for lang in LANGUAGES},
            "limit": limit,
        }
    node = _resolve(node)
    kind = node.get("type")
    if _is_weekly(node):
        days = value if isinstance(value, dict) else {}
        return {**base, "widget": "weekly", "days": [(day, ", ".join(days.get(day) or [])) for day in WEEKDAYS]}
    if kind == "object" or "properties" in node:
        present = isinstance(value, dict)
        values = value if present else {}
        wanted = set(node.get("required", []))
        children = []
        for name, child in node.get("properties", {}).items():
            drawn = _field(child, values.get(name), f"{path}.{name}" if path else name, name in wanted)
            if drawn:
                children.append(drawn)
        return {**base, "widget": "group", "children": children, "present": present}
    if kind == "array":
        items = _resolve(node["items"])
        if items.get("type") == "object":
            rows = value if isinstance(value, list) else []
            return {
                **base,
                "widget": "list",
                "items": [_field(items, row, f"{path}.{i}", True) for i, row in enumerate(rows)],
                "min": node.get("minItems", 0),
            }
        lines = [str(v) for v in value] if isinstance(value, list) else []
        return {**base, "widget": "lines", "value": "\n".join(lines), "enum": items.get("enum")}
    if kind == "boolean":
        return {**base, "widget": "bool", "value": bool(value)}
    if kind in ("string", "integer") or (isinstance(kind, list) and "string" in kind) or "enum" in node:
        return {
            **base,
            "widget": "string",
            "value": "" if value is None else str(value),
            "enum": node.get("enum"),
            "date": node.get("format") == "date",
        }
    return None


def fields(kind: str, entry: dict) -> list[dict]:
    """The entry's fields in the schema's order, each with its value in the entry."""
    drawn = _field(entry_schema(kind), entry, "", True)
    return drawn["children"] if drawn else []


# --- the posted form back into the entry ------------------------------------------------------------------


def _indices(form: dict[str, str], path: str) -> list[int]:
    pattern = re.compile(re.escape(path) + r"\.(\d{1,4})\.")
    return sorted({int(m.group(1)) for key in form if (m := pattern.match(key))})


def _text(form: dict[str, str], path: str) -> str:
    return form.get(path, "")[:MAX_VALUE].replace("\r\n", "\n").strip()


def _parse(node: dict, form: dict[str, str], path: str, old: Any, required: bool) -> tuple[bool, Any]:
    """(keep, value): the field's value from the form; keep False leaves an empty optional field out."""
    if _is_text(node):
        texts = {lang: _text(form, f"{path}.{lang}") for lang in LANGUAGES}
        return required or any(texts.values()), texts
    node = _resolve(node)
    kind = node.get("type")
    if _is_weekly(node):
        days = {}
        for day in WEEKDAYS:
            spans = [s for s in re.split(r"[,\s]+", _text(form, f"{path}.{day}")) if s]
            if spans:
                days[day] = spans
        return required or bool(days), days
    if kind == "object" or "properties" in node:
        old_values = old if isinstance(old, dict) else {}
        wanted = set(node.get("required", []))
        value: dict[str, Any] = {}
        for name, child in node.get("properties", {}).items():
            child_path = f"{path}.{name}" if path else name
            if _field(child, None, child_path, False) is None:
                if name in old_values:
                    value[name] = old_values[name]  # a field the form does not draw stays as it was
                continue
            keep, child_value = _parse(child, form, child_path, old_values.get(name), name in wanted)
            if keep:
                value[name] = child_value
        # An optional group (an authority's offices) only when something in it was filled in.
        return required or not _empty(value), value
    if kind == "array":
        items = _resolve(node["items"])
        if items.get("type") == "object":
            old_rows = old if isinstance(old, list) else []
            rows = []
            for i in _indices(form, path):
                previous = old_rows[i] if i < len(old_rows) else None
                rows.append(_parse(items, form, f"{path}.{i}", previous, True)[1])
            return required or bool(rows), rows
        lines = [line.strip() for line in _text(form, path).splitlines() if line.strip()]
        return required or bool(lines), lines
    if kind == "boolean":
        checked = form.get(path) == "1"
        # An optional flag the entry did not have stays out unless it is set.
        return required or checked or old is not None, checked
    text = _text(form, path)
    if isinstance(kind, list) and "null" in kind and not text:
        return True, None
    if kind == "integer":
        return required or bool(text), int(text) if text.isdigit() else text
    return required or bool(text), text


def _empty(value: Any) -> bool:
    """Nothing filled in: empty texts, unset flags, empty lists, and groups of those."""
    if isinstance(value, dict):
        return all(_empty(v) for v in value.values())
    if isinstance(value, list):
        return all(_empty(v) for v in value)
    return value in ("", None, False)


def parse(kind: str, form: dict[str, str], old: dict, *, admin: bool) -> dict:
    """The entry as posted: fields by dotted path over the schema; `verified` only from an admin, else as it was."""
    entry = _parse(entry_schema(kind), form, "", old, True)[1]
    field = key_field(kind)
    if field:
        entry[field] = old.get(field, entry.get(field))  # the key is the page's, never the form's
    if not admin:
        _keep_verified(entry, old)
    return entry


def _keep_verified(entry: Any, old: Any) -> None:
    """Every `verified` flag as it was before (an editor may not set one; the server enforces it here)."""
    if isinstance(entry, dict):
        old_map = old if isinstance(old, dict) else {}
        if "verified" in entry or "verified" in old_map:
            if "verified" in old_map:
                entry["verified"] = old_map["verified"]
            else:
                entry["verified"] = False
        for key, value in entry.items():
            if key != "verified":
                _keep_verified(value, old_map.get(key))
    elif isinstance(entry, list):
        old_list = old if isinstance(old, list) else []
        for i, value in enumerate(entry):
            _keep_verified(value, old_list[i] if i < len(old_list) else None)


def _locate(entry: dict, path: str) -> tuple[Any, str] | None:
    """The container of a dotted path's last part, and that part."""
    parts = path.split(".")
    node: Any = entry
    for part in parts[:-1]:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node, parts[-1]


def _node_at(kind: str, path: str) -> dict | None:
    node = _resolve(entry_schema(kind))
    for part in path.split("."):
        if part.isdigit():
            node = _resolve(node.get("items", {}))
        else:
            found = node.get("properties", {}).get(part)
            if found is None:
                return None
            node = _resolve(found) if not _is_text(found) else found
    return node


def apply_operation(kind: str, entry: dict, operation: str) -> dict:
    """add:<list path>, remove:<item path> or up:<item path> on the entry (a copy), for the form's buttons."""
    entry = copy.deepcopy(entry)
    action, _, path = operation.partition(":")
    if action == "add":
        node = _node_at(kind, path)
        if node is None or node.get("type") != "array":
            return entry
        located = _locate(entry, path)
        if located is None:
            return entry
        parent, name = located
        if isinstance(parent, dict):
            parent.setdefault(name, []).append(skeleton(node["items"]))
        return entry
    if action in ("remove", "up"):
        located = _locate(entry, path)
        if located is None or not located[1].isdigit():
            return entry
        rows, index = located[0], int(located[1])
        if not isinstance(rows, list) or index >= len(rows):
            return entry
        if action == "remove":
            del rows[index]
        elif index > 0:
            rows[index - 1], rows[index] = rows[index], rows[index - 1]
    return entry


# --- problems next to their fields ------------------------------------------------------------------------


def problems_by_field(problems: list, kind: str, key: str) -> tuple[dict[str, list], list]:
    """This entry's problems by field path, and every other problem (another entry's, or one without a field)."""
    file = KIND_FILES[kind][0]
    mine: dict[str, list] = {}
    others = []
    for problem in problems:
        in_file = str(getattr(problem, "file", "")).split("/")[-1].removesuffix(".yml") == file
        same = in_file and (kind == "point" or str(getattr(problem, "entry", "")) == key)
        if same and getattr(problem, "field", None):
            mine.setdefault(problem.field, []).append(problem)
        else:
            others.append(problem)
    return mine, others


def field_problems(mine: dict[str, list], path: str, *, below: bool = False) -> list:
    """The problems of one field (and of the fields under it, for a text's languages or a list's items)."""
    found = list(mine.get(path, []))
    if below:
        for field, problems in mine.items():
            if field.startswith(path + "."):
                found.extend(problems)
    return found


def place(field: str, paths: set[str]) -> str | None:
    """The drawn field a problem's path belongs to: itself, else the nearest enclosing one (a list's line)."""
    parts = field.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in paths:
            return candidate
        parts.pop()
    return None


def all_paths(drawn: list[dict]) -> set[str]:
    """Every path the form draws a field or a group for."""
    paths: set[str] = set()
    for field in drawn:
        paths.add(field["path"])
        if field["widget"] == "group":
            paths |= all_paths(field["children"])
        elif field["widget"] == "list":
            paths |= all_paths([item for item in field["items"] if item])
        elif field["widget"] == "text":
            paths |= {f"{field['path']}.{lang}" for lang in LANGUAGES}
    return paths


# --- what the assistant would send ----------------------------------------------------------------------


@functools.cache
def responses() -> dict[str, dict[str, dict]]:
    """The domain's responses per name and language (bot/domain/responses.yml), read once when first needed."""
    with RESPONSES_FILE.open(encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    found: dict[str, dict[str, dict]] = {}
    for name, variations in document["responses"].items():
        for variation in variations:
            for condition in variation.get("condition", []):
                if condition.get("name") == "language":
                    found.setdefault(name, {})[condition["value"]] = variation
    return found


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def utter(response: str, lang: str, /, **values: Any) -> dict:
    """One response as Rasa's REST channel sends it: the text with its placeholders filled, and its buttons."""
    variation = responses()[response][lang]
    message: dict[str, Any] = {"text": string.Formatter().vformat(variation["text"], (), _Missing(values))}
    if variation.get("buttons"):
        message["buttons"] = variation["buttons"]
    return message


def form_messages(cat: Catalogue, form: dict, lang: str) -> list[dict]:
    """A form card: the text, then the `form` payload (the REST channel sends them as two messages)."""
    payload = views.form_payload(form, lang)
    response = "utter_form_card" if cat.received_here(form) else "utter_form_card_elsewhere"
    text = utter(response, lang, code=payload["variant"], title=payload["title"], returned_to=payload["returned_to"])
    return [text, {"custom": payload}]


def answer_messages(cat: Catalogue, kind: str, key: str, lang: str) -> list[dict]:
    """The messages the assistant's topic action (actions/topics.py) sends about an entry, in one language.

    The catalogue here is the editor's (with the drafts); an authority or the point has no answer of its own.
    """
    messages: list[dict] = []
    if kind == "form":
        messages += form_messages(cat, cat.forms[key], lang)
    elif kind == "service":
        service = cat.services[key]
        messages.append(
            utter(
                "utter_service",
                lang,
                name=service["name"][lang],
                description=service["description"][lang],
                channels=views.channels_text(cat, service, lang),
            )
        )
        for code in service["forms"]:
            messages += form_messages(cat, cat.forms[code], lang)
        missing = [t for t in service["advisor_tasks"] if t not in cat.point["capabilities"]]
        if service["needs_advisor"] and missing:
            names = ", ".join(cat.advisor_tasks[t]["name"][lang] for t in missing)
            messages.append(utter("utter_not_at_this_point", lang, tasks=names))
            return messages
        if service["needs_advisor"]:
            return messages  # then the advisor is offered, as the point's duty allows
    elif kind == "life_situation":
        situation = cat.life_situations[key]
        payload = views.life_situation_payload(cat, situation, lang)
        steps = views.numbered([s["note"] for s in payload["services"]])
        messages += [utter("utter_life_situation", lang, title=payload["title"], steps=steps), {"custom": payload}]
    else:
        return messages
    messages.append(utter("utter_more_help", lang))
    return messages


def previewable(kind: str) -> bool:
    """Whether the assistant answers with this kind of entry on its own."""
    return kind in ("life_situation", "service", "form")
