"""Receipts for documents a customer hands in at the point, and the receipt's print sheet.

A receipt holds the authority, the document type, the time and who received it; never customer data.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from booking.views import date_label, time_label
from kiosk_ui.deps import (
    Advisor,
    BookingConfigDep,
    Cases,
    CatalogueDep,
    ReceiptsDep,
    RowId,
    Templates,
    TextsDep,
    row_id_of,
    staff_lang,
    staff_page,
)
from kiosk_ui.texts import LANGUAGES, Texts
from kiosk_ui.views.context import set_page_language
from kiosk_ui.views.forms import form_body, see_other, staff_form
from kiosk_ui.views.printing import printed_at
from kiosk_ui.views.records import authority_name, document_name, local, now, records_texts
from service_catalogue.loader import Catalogue
from store.cases import CaseStore
from store.receipts import ReceiptStore
from store.rows import HELSINKI

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])
GENERIC_DOCUMENTS = ("application", "attachment", "other")
MAX_AGE = dt.timedelta(days=30)
# The form's time has minutes only and the clocks of the advisor's PC and the server may differ a little.
CLOCK_SKEW = dt.timedelta(minutes=2)


def _input_value(moment: dt.datetime) -> str:
    return moment.astimezone(HELSINKI).strftime("%Y-%m-%dT%H:%M")


def parse_received_at(text: str, now: dt.datetime) -> dt.datetime | str:
    """The form's Helsinki wall time as an aware datetime, or the error code that refuses it."""
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return "bad_time"
    moment = moment.replace(tzinfo=HELSINKI) if moment.tzinfo is None else moment.astimezone(HELSINKI)
    if moment > now + CLOCK_SKEW:
        return "future_time"
    if moment < now - MAX_AGE:
        return "too_old"
    return moment


def _receipts_page(
    request: Request,
    templates: Jinja2Templates,
    texts: Texts,
    cat: Catalogue,
    receipts: ReceiptStore,
    cases: CaseStore,
    *,
    status_code: int = 200,
    error: str | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    records = records_texts(texts, lang)
    moment = now()
    authorities = cat.active_authorities(moment.date())
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
    values.setdefault("received_at", _input_value(moment))
    values.setdefault("language", lang)
    case = None
    case_id = values.get("case_id") or request.query_params.get("case")
    if row_id := row_id_of(case_id):
        found = cases.get(row_id)
        if found and found["point_id"] == cat.point["id"]:
            case = found
    today = [
        dict(
            receipt,
            time=local(receipt["received_at"]).strftime("%H:%M"),
            authority_name=authority_name(cat, receipt["authority"], lang),
            document=document_name(cat, records, receipt["document_type"], lang),
        )
        for receipt in receipts.list_day(cat.point["id"], moment.date())
    ]
    return templates.TemplateResponse(
        request,
        "staff_receipts.html",
        {
            "r": records,
            "authorities": [(key, a["name"][lang]) for key, a in authorities.items()],
            "groups": [g for g in groups if g[2]],
            "generic": [(k, records["doc_kinds"][k]) for k in GENERIC_DOCUMENTS],
            "languages": [(code, records["languages"][code]) for code in LANGUAGES],
            "values": values,
            "case": case,
            "error": error,
            "receipts": today,
            "min_time": _input_value(moment - MAX_AGE),
            "max_time": _input_value(moment),
        },
        status_code=status_code,
    )


@router.get("/receipts", response_class=HTMLResponse)
def receipts_page(
    request: Request,
    info: Advisor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    receipts: ReceiptsDep,
    cases: Cases,
) -> HTMLResponse:
    return _receipts_page(request, templates, texts, cat, receipts, cases)


def _refusal(form: dict[str, str], cat: Catalogue, cases: CaseStore, today: dt.date) -> str | None:
    """The error code of a receipt form the catalogue or the cases refuse, or None."""
    authority, document_type = form["authority"], form["document_type"]
    if authority not in cat.active_authorities(today):
        return "bad_authority"
    if document_type not in GENERIC_DOCUMENTS and document_type not in cat.forms:
        return "bad_document_type"
    if document_type in cat.forms and cat.forms[document_type]["authority"] != authority:
        return "document_authority"
    if form["language"] not in LANGUAGES:
        return "bad_language"
    if form["case_id"]:
        case = cases.get(row_id) if (row_id := row_id_of(form["case_id"])) else None
        if case is None or case["point_id"] != cat.point["id"]:
            return "unknown_case"
    return None


@router.post(
    "/receipts",
    response_class=HTMLResponse,
    openapi_extra=form_body(
        authority={"type": "string", "maxLength": 64, "description": "an authority id of the catalogue"},
        document_type={"type": "string", "maxLength": 64, "description": "a form code or application|attachment|other"},
        received_at={"type": "string", "maxLength": 32, "description": "local time YYYY-MM-DDTHH:MM, empty for now"},
        language={"type": "string", "enum": list(LANGUAGES)},
        case_id={"type": "string", "pattern": "^[0-9]{0,19}$", "description": "the case's id, if any"},
    ),
)
async def record_receipt(
    request: Request,
    info: Advisor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    receipts: ReceiptsDep,
    cases: Cases,
) -> Response:
    form = await staff_form(request, info.csrf_token)
    values = {key: form.get(key, "") for key in ("authority", "document_type", "received_at", "language", "case_id")}
    moment = now()
    received_at = parse_received_at(values["received_at"], moment)
    # What the catalogue or the cases refuse is reported before a bad time.
    error = _refusal(values, cat, cases, moment.date()) or (received_at if isinstance(received_at, str) else None)
    if error or isinstance(received_at, str):
        return _receipts_page(
            request, templates, texts, cat, receipts, cases, status_code=400, error=error, values=values
        )
    receipt = receipts.create(
        point_id=cat.point["id"],
        authority=values["authority"],
        document_type=values["document_type"],
        received_at=received_at,
        received_by=info.account.username,
        language=values["language"],
        case_id=row_id_of(values["case_id"]),
    )
    return see_other(request, f"/staff/receipts/{receipt['id']}/print")


@router.get("/receipts/{receipt_id}/print", response_class=HTMLResponse)
def receipt_sheet(
    request: Request,
    receipt_id: RowId,
    info: Advisor,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    config: BookingConfigDep,
    receipts: ReceiptsDep,
) -> HTMLResponse:
    """The receipt in its own language, for the customer to keep."""
    receipt = receipts.get(receipt_id)
    if receipt is None or receipt["point_id"] != cat.point["id"]:
        raise HTTPException(status_code=404, detail="no such receipt")
    lang = receipt["language"]
    set_page_language(request, lang)  # the sheet is in the receipt's language, not the page's
    records = records_texts(texts, lang)
    received = local(receipt["received_at"])
    return templates.TemplateResponse(
        request,
        "print_receipt.html",
        {
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
