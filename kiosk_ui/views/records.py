"""What the staff records pages (receipts, remote service, statistics) share: the clock and the names."""

from __future__ import annotations

import datetime as dt
from typing import Any

from kiosk_ui.texts import Texts
from service_catalogue.loader import Catalogue
from store.rows import HELSINKI


def records_texts(texts: Texts, lang: str) -> dict[str, Any]:
    """The records pages' texts in one language."""
    return texts(lang)["records"]


def now() -> dt.datetime:
    """The time in Helsinki, where the point is."""
    return dt.datetime.now(HELSINKI)


def local(moment: dt.datetime) -> dt.datetime:
    """A stored time (naive means UTC) in Helsinki time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(HELSINKI)


def local_label(moment: dt.datetime | None) -> str:
    """A stored time as staff pages show it: Helsinki time, '01.12.2026 09:05'; empty for none."""
    return local(moment).strftime("%d.%m.%Y %H:%M") if moment else ""


def start_of_day(moment: dt.datetime) -> dt.datetime:
    """Midnight in Helsinki of the moment's day."""
    return dt.datetime.combine(moment.astimezone(HELSINKI).date(), dt.time(0), HELSINKI)


def authority_name(cat: Catalogue, authority: str, lang: str) -> str:
    """The authority's name, or its id when the catalogue no longer lists it."""
    entry = cat.authorities.get(authority)
    return entry["name"][lang] if entry else authority


def document_name(cat: Catalogue, records: dict[str, Any], document_type: str, lang: str) -> str:
    """'AT 1 Yleinen asumistuki (hakemus)' for a form, 'Liite' for a generic kind."""
    form = cat.forms.get(document_type)
    if form is not None:
        return f"{form['code']} {form['name'][lang]}"
    return records["doc_kinds"].get(document_type, document_type)
