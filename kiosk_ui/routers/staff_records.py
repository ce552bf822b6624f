"""Staff records: receipts for documents handed in, today's remote appointments, statistics (apudiaari).

Nothing here stores or shows customer data: receipts hold the authority, the document type and the
time; remote appointments show time, topic, language and booking reference, never the phone number.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from booking.client import BookingClient
from booking.config import BookingConfig
from booking.views import date_label, time_label
from kiosk_ui.deps import (
    get_booking_client,
    get_booking_config,
    get_case_store,
    get_catalogue,
    get_db_engine,
    get_event_log,
    get_templates,
    get_texts,
    require_role,
    staff_lang,
)
from kiosk_ui.routers.bookings import remote_appointments
from kiosk_ui.routers.printing import printed_at
from kiosk_ui.routers.staff import _form, _page, _see_other
from kiosk_ui.texts import LANGUAGES, Texts
from service_catalogue.loader import Catalogue
from store.accounts import SessionInfo
from store.cases import CaseStore
from store.events import CATEGORIES, EVENT_TYPES, EventLog
from store.receipts import ReceiptStore
from store.rows import HELSINKI
from store.statistics import Statistics

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False)
GENERIC_DOCUMENTS = ("application", "attachment", "other")
MAX_AGE = dt.timedelta(days=30)
# The form's time has minutes only and the clocks of the advisor's PC and the server may differ a little.
CLOCK_SKEW = dt.timedelta(minutes=2)
REMOTE_EVENT = "remote_connection_opened"
REMOTE_AUTHORITY = "kela"  # remote appointments are Kela's (booking.yml)


def get_receipt_store(engine=Depends(get_db_engine)) -> ReceiptStore:
    """Document receipts over the app's database engine."""
    return ReceiptStore(engine)


def get_statistics(engine=Depends(get_db_engine)) -> Statistics:
    """Statistics over the app's service events."""
    return Statistics(engine)


def _records(texts: Texts, lang: str) -> dict:
    return texts(lang)["records"]


def _now() -> dt.datetime:
    return dt.datetime.now(HELSINKI)


def _input_value(moment: dt.datetime) -> str:
    return moment.astimezone(HELSINKI).strftime("%Y-%m-%dT%H:%M")


# Document receipts


def document_name(cat: Catalogue, records: dict, document_type: str, lang: str) -> str:
    """'AT 1 Yleinen asumistuki (hakemus)' for a form, 'Liite' for a generic kind."""
    form = cat.forms.get(document_type)
    if form is not None:
        return f"{form['code']} {form['name'][lang]}"
    return records["doc_kinds"].get(document_type, document_type)


def authority_name(cat: Catalogue, authority: str, lang: str) -> str:
    """The authority's name, or its id when the catalogue no longer lists it."""
    entry = cat.authorities.get(authority)
    return entry["name"][lang] if entry else authority


def _receipts_page(
    request, templates, texts, cat, receipts, cases, info, *, status_code=200, error=None, values: dict | None = None
) -> HTMLResponse:
    lang = staff_lang(request)
    records = _records(texts, lang)
    now = _now()
    authorities = cat.active_authorities(now.date())
    groups = [
        (
            key,
            authority["name"][lang],
            [
                (code, document_name(cat, records, code, lang))
                for code, form in cat.forms.items()
                if form["authority"] == key
            ],
        )
        for key, authority in authorities.items()
    ]
    values = dict(values or {})
    values.setdefault("received_at", _input_value(now))
    values.setdefault("language", lang)
    case = None
    case_id = values.get("case_id") or request.query_params.get("case")
    if case_id and str(case_id).isdigit():
        found = cases.get(int(case_id))
        if found and found["point_id"] == cat.point["id"]:
            case = found
    today = [
        dict(
            receipt,
            time=_local(receipt["received_at"]).strftime("%H:%M"),
            authority_name=authority_name(cat, receipt["authority"], lang),
            document=document_name(cat, records, receipt["document_type"], lang),
        )
        for receipt in receipts.list_day(cat.point["id"], now.date())
    ]
    return _page(
        request,
        templates,
        texts,
        "staff_receipts.html",
        status_code,
        info=info,
        r=records,
        authorities=[(key, a["name"][lang]) for key, a in authorities.items()],
        groups=[g for g in groups if g[2]],
        generic=[(k, records["doc_kinds"][k]) for k in GENERIC_DOCUMENTS],
        languages=[(code, records["languages"][code]) for code in LANGUAGES],
        values=values,
        case=case,
        error=error,
        receipts=today,
        min_time=_input_value(now - MAX_AGE),
        max_time=_input_value(now),
    )


def _local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(HELSINKI)


def parse_received_at(text: str, now: dt.datetime) -> tuple[dt.datetime | None, str | None]:
    """The form's Helsinki wall time as an aware datetime, or the error code that refuses it."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None, "bad_time"
    moment = moment.replace(tzinfo=HELSINKI) if moment.tzinfo is None else moment.astimezone(HELSINKI)
    if moment > now + CLOCK_SKEW:
        return None, "future_time"
    if moment < now - MAX_AGE:
        return None, "too_old"
    return moment, None


@router.get("/receipts", response_class=HTMLResponse)
def receipts_page(
    request: Request,
    info: SessionInfo = Depends(require_role("advisor")),
    templates: Jinja2Templates = Depends(get_templates),
    texts: Texts = Depends(get_texts),
    cat: Catalogue = Depends(get_catalogue),
    receipts: ReceiptStore = Depends(get_receipt_store),
    cases: CaseStore = Depends(get_case_store),
):
    return _receipts_page(request, templates, texts, cat, receipts, cases, info)


@router.post("/receipts", response_class=HTMLResponse)
async def record_receipt(
    request: Request,
    info: SessionInfo = Depends(require_role("advisor")),
    templates: Jinja2Templates = Depends(get_templates),
    texts: Texts = Depends(get_texts),
    cat: Catalogue = Depends(get_catalogue),
    receipts: ReceiptStore = Depends(get_receipt_store),
    cases: CaseStore = Depends(get_case_store),
):
    form = await _form(request, info.csrf_token)
    values = {key: form.get(key, "") for key in ("authority", "document_type", "received_at", "language", "case_id")}
    now = _now()
    authority, document_type = values["authority"], values["document_type"]
    received_at, error = parse_received_at(values["received_at"], now)
    case_id = None
    if authority not in cat.active_authorities(now.date()):
        error = "bad_authority"
    elif document_type not in GENERIC_DOCUMENTS and document_type not in cat.forms:
        error = "bad_document_type"
    elif document_type in cat.forms and cat.forms[document_type]["authority"] != authority:
        error = "document_authority"
    elif values["language"] not in LANGUAGES:
        error = "bad_language"
    elif values["case_id"]:
        case = cases.get(int(values["case_id"])) if values["case_id"].isdigit() else None
        if case is None or case["point_id"] != cat.point["id"]:
            error = "unknown_case"
        else:
            case_id = case["id"]
    if error:
        return _receipts_page(
            request, templates, texts, cat, receipts, cases, info, status_code=400, error=error, values=values
        )
    receipt = receipts.create(
        point_id=cat.point["id"],
        authority=authority,
        document_type=document_type,
        received_at=received_at,
        received_by=info.account.username,
        language=values["language"],
        case_id=case_id,
    )
    return _see_other(request, f"/staff/receipts/{receipt['id']}/print")


@router.get("/receipts/{receipt_id}/print", response_class=HTMLResponse)
def receipt_sheet(
    request: Request,
    receipt_id: int,
    info: SessionInfo = Depends(require_role("advisor")),
    templates: Jinja2Templates = Depends(get_templates),
    texts: Texts = Depends(get_texts),
    cat: Catalogue = Depends(get_catalogue),
    config: BookingConfig = Depends(get_booking_config),
    receipts: ReceiptStore = Depends(get_receipt_store),
):
    """The receipt in its own language, for the customer to keep."""
    receipt = receipts.get(receipt_id)
    if receipt is None or receipt["point_id"] != cat.point["id"]:
        raise HTTPException(status_code=404, detail="no such receipt")
    lang = receipt["language"]
    records = _records(texts, lang)
    received = _local(receipt["received_at"])
    return templates.TemplateResponse(
        request,
        "print_receipt.html",
        {
            "lang": lang,
            "t": texts(lang),
            "r": records,
            "point": cat.point,
            "receipt": receipt,
            "authority": authority_name(cat, receipt["authority"], lang),
            "document": document_name(cat, records, receipt["document_type"], lang),
            "received": f"{date_label(received, lang, config)}, {time_label(received, lang, config)}",
            "back": f"/staff/receipts?lang={quote(staff_lang(request))}",
            "printed": printed_at(config, lang),
        },
    )


# Today's remote appointments


def _todays_remote(client: BookingClient, cat: Catalogue):
    today = _now().date()
    return client.appointments(cat.point["id"], "remote", today, today)


@router.get("/remote", response_class=HTMLResponse)
def remote_page(
    request: Request,
    info: SessionInfo = Depends(require_role("advisor")),
    templates: Jinja2Templates = Depends(get_templates),
    texts: Texts = Depends(get_texts),
    cat: Catalogue = Depends(get_catalogue),
    client: BookingClient = Depends(get_booking_client),
    config: BookingConfig = Depends(get_booking_config),
    statistics: Statistics = Depends(get_statistics),
):
    lang = staff_lang(request)
    records = _records(texts, lang)
    start_of_day = dt.datetime.combine(_now().date(), dt.time(0), HELSINKI)
    opened = statistics.services_recorded(REMOTE_EVENT, cat.point["id"], start_of_day)
    rooms = {
        room["id"]: {"id": room["id"], "name": room["name"][lang], "appointments": []}
        for room in cat.point.get("remote_rooms", [])
    }
    for booking in _todays_remote(client, cat):
        if booking.room in rooms:
            rooms[booking.room]["appointments"].append(
                {
                    "reference": booking.reference,
                    "opened": booking.reference in opened,
                    "time": f"{_local(booking.start):%H.%M}–{_local(booking.end):%H.%M}",
                    "topic": config.topic_name(booking.topic, lang),
                    "language": records["languages"].get(booking.language, booking.language),
                }
            )
    error = request.query_params.get("error")
    done = request.query_params.get("opened")
    return _page(
        request,
        templates,
        texts,
        "staff_remote.html",
        info=info,
        r=records,
        rooms=list(rooms.values()),
        error=error if error == "unknown_booking" else None,
        opened_notice=done if done in opened else None,
    )


@router.get("/remote.json", summary="Today's and tomorrow's remote appointments per room (staff)")
def remote_json(
    info: SessionInfo = Depends(require_role("advisor")),
    client: BookingClient = Depends(get_booking_client),
    cat: Catalogue = Depends(get_catalogue),
) -> dict:
    """/api/bookings/remote under /staff, where the browser sends the staff session cookie."""
    return remote_appointments(client=client, cat=cat)


@router.post("/remote/open")
async def open_remote(
    request: Request,
    info: SessionInfo = Depends(require_role("advisor")),
    cat: Catalogue = Depends(get_catalogue),
    client: BookingClient = Depends(get_booking_client),
    events: EventLog = Depends(get_event_log),
    statistics: Statistics = Depends(get_statistics),
):
    """Record that the remote connection of one of today's appointments was opened (once per appointment)."""
    form = await _form(request, info.csrf_token)
    reference = form.get("reference", "")
    booking = next((b for b in _todays_remote(client, cat) if b.reference == reference), None)
    lang = quote(staff_lang(request))
    if booking is None:
        return Response(status_code=303, headers={"Location": f"/staff/remote?lang={lang}&error=unknown_booking"})
    start_of_day = dt.datetime.combine(_now().date(), dt.time(0), HELSINKI)
    # A second click (or a reload that re-posts) must not count the same connection twice.
    if reference not in statistics.services_recorded(REMOTE_EVENT, cat.point["id"], start_of_day):
        # The booking reference is not personal data; it ties the event to the appointment.
        events.record(
            event_type=REMOTE_EVENT,
            authority=REMOTE_AUTHORITY,
            category=CATEGORIES[REMOTE_EVENT],
            channel="kiosk",
            language=booking.language,
            point_id=cat.point["id"],
            service=reference,
        )
    return Response(status_code=303, headers={"Location": f"/staff/remote?lang={lang}&opened={quote(reference)}"})


# Statistics (admin)

SERIES_COLOURS = 8  # staff-records.css has this many bar colours; more authorities repeat them
CHART = {"width": 720, "height": 280, "left": 48, "right": 8, "top": 12, "bottom": 28}


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at least `value` (a round top for the axis)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def chart(rows: list[dict], authorities: list[tuple[str, str]], months: list[str]) -> dict:
    """Stacked bars per month (one colour per authority), as SVG coordinates for the template."""
    order = [key for key, _ in authorities]
    per_month = [[0] * len(order) for _ in range(12)]
    for row in rows:
        per_month[row["month"] - 1][order.index(row["authority"])] += row["count"]
    top = _nice_ceiling(max([sum(m) for m in per_month] + [1]))
    width, height = CHART["width"], CHART["height"]
    plot_w = width - CHART["left"] - CHART["right"]
    plot_h = height - CHART["top"] - CHART["bottom"]
    slot = plot_w / 12
    bars = []
    for index, counts in enumerate(per_month):
        x = CHART["left"] + index * slot + slot * 0.2
        y = CHART["top"] + plot_h
        for series, count in enumerate(counts):
            if not count:
                continue
            h = plot_h * count / top
            y -= h
            bars.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "width": round(slot * 0.6, 1),
                    "height": round(h, 1),
                    "series": series % SERIES_COLOURS,
                    "title": f"{months[index]}: {authorities[series][1]} {count}",
                }
            )
    ticks = [
        {"value": top * i // 4, "y": round(CHART["top"] + plot_h - plot_h * i / 4, 1)}
        for i in range(5)
        if (top * i) % 4 == 0
    ]
    labels = [{"x": round(CHART["left"] + i * slot + slot / 2, 1), "text": months[i]} for i in range(12)]
    return {
        "width": width,
        "height": height,
        "left": CHART["left"],
        "right": width - CHART["right"],
        "base": CHART["top"] + plot_h,
        "label_y": height - 8,
        "bars": bars,
        "ticks": ticks,
        "labels": labels,
    }


def statistics_view(rows: list[dict], cat: Catalogue, records: dict, lang: str) -> dict:
    """The page's tables: authority × category and event type, each per month with totals."""
    catalogue_order = list(cat.authorities)
    present = sorted(
        {row["authority"] for row in rows},
        key=lambda a: (catalogue_order.index(a) if a in catalogue_order else len(catalogue_order), a),
    )
    authorities = [(key, authority_name(cat, key, lang)) for key in present]
    task_order = list(cat.advisor_tasks)

    def category_name(key: str) -> str:
        task = cat.advisor_tasks.get(key)
        return task["name"][lang] if task else key

    table: dict[tuple[str, str], list[int]] = {}
    types: dict[str, list[int]] = {}
    totals = [0] * 12
    for row in rows:
        month = row["month"] - 1
        table.setdefault((row["authority"], row["category"]), [0] * 12)[month] += row["count"]
        types.setdefault(row["event_type"], [0] * 12)[month] += row["count"]
        totals[month] += row["count"]
    table_rows = [
        {
            "authority": a,
            "authority_name": authority_name(cat, a, lang),
            "category": c,
            "category_name": category_name(c),
            "counts": counts,
            "total": sum(counts),
        }
        for (a, c), counts in sorted(
            table.items(),
            key=lambda item: (
                present.index(item[0][0]),
                task_order.index(item[0][1]) if item[0][1] in task_order else len(task_order),
                item[0][1],
            ),
        )
    ]
    type_order = list(EVENT_TYPES)
    type_rows = [
        {"event_type": e, "name": records["event_types"].get(e, e), "counts": counts, "total": sum(counts)}
        for e, counts in sorted(
            types.items(),
            key=lambda item: (type_order.index(item[0]) if item[0] in type_order else len(type_order), item[0]),
        )
    ]
    months = [records["months"][f"m{m:02d}"] for m in range(1, 13)]
    return {
        "authorities": authorities,
        "rows": table_rows,
        "types": type_rows,
        "totals": totals,
        "total": sum(totals),
        "months": months,
        "chart": chart(rows, authorities, months),
    }


YEAR = Query(None, ge=2000, le=2100, description="calendar year (Helsinki time); the current one by default")


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(
    request: Request,
    year: int | None = YEAR,
    info: SessionInfo = Depends(require_role("admin")),
    templates: Jinja2Templates = Depends(get_templates),
    texts: Texts = Depends(get_texts),
    cat: Catalogue = Depends(get_catalogue),
    statistics: Statistics = Depends(get_statistics),
):
    lang = staff_lang(request)
    records = _records(texts, lang)
    year = year or _now().year
    rows = statistics.monthly_counts(year, cat.point["id"])
    years = sorted(set(statistics.years(cat.point["id"])) | {year, _now().year}, reverse=True)
    return _page(
        request,
        templates,
        texts,
        "staff_statistics.html",
        info=info,
        r=records,
        year=year,
        years=years,
        view=statistics_view(rows, cat, records, lang),
    )


@router.get("/statistics.csv")
def statistics_csv(
    request: Request,
    year: int | None = YEAR,
    info: SessionInfo = Depends(require_role("admin")),
    texts: Texts = Depends(get_texts),
    cat: Catalogue = Depends(get_catalogue),
    statistics: Statistics = Depends(get_statistics),
) -> Response:
    """month;authority;category;event_type;count (+ names in the page language), UTF-8 with a BOM.

    Semicolons, because Excel set to Finnish or Swedish splits a CSV file on semicolons (the comma
    is the decimal sign there); the BOM makes it read ä and ö right.
    """
    lang = staff_lang(request)
    year = year or _now().year
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(["month", "authority", "category", "event_type", "count", "authority_name", "category_name"])
    for row in statistics.monthly_counts(year, cat.point["id"]):
        task = cat.advisor_tasks.get(row["category"])
        writer.writerow(
            [
                f"{year}-{row['month']:02d}",
                row["authority"],
                row["category"],
                row["event_type"],
                row["count"],
                authority_name(cat, row["authority"], lang),
                task["name"][lang] if task else row["category"],
            ]
        )
    filename = f"apudiaari-{cat.point['id']}-{year}.csv"
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
