"""The advisor's dashboard (/staff): the live queue of the point's open cases, case actions and the takeover chat.

Cases are written by the action server (another process), so the database is the source of truth:
the live feed polls CaseStore's change feed and every action is one conditional update there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from kiosk_ui.deps import (
    STAFF_COOKIE,
    Accounts,
    Advisor,
    Cases,
    CatalogueDep,
    Control,
    Events,
    RowId,
    SettingsDep,
    Templates,
    TextsDep,
    row_id_of,
    staff_lang,
    staff_page,
    wants_json,
)
from kiosk_ui.gateway import clean_message
from kiosk_ui.live_changes import FeedChanges
from kiosk_ui.rasa_api import ConversationControlError
from kiosk_ui.texts import Texts
from kiosk_ui.views.forms import form_body, staff_form
from service_catalogue.loader import Catalogue
from store.accounts import AccountStore, SessionInfo
from store.cases import OPEN, CaseConflict, CaseStore
from store.rows import HELSINKI
from training.intents import intent_names

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])
OUTCOMES = ("helped", "referred", "customer_left")
STAFF_MESSAGE_CHARS = 1000
# The fields every case action's form may carry (documented in the schema; the handlers check them).
BACK = {"type": "string", "enum": ["case", ""], "description": "back to the case page, else to the queue"}
USERNAME = {"type": "string", "maxLength": 64, "description": "a colleague's username"}


# What the page and the feed show of a case


def _names(entries: dict, ids, lang: str) -> list[str]:
    # A code the catalogue no longer has is left out: the advisor never reads an internal code.
    return [entries[i]["name"][lang] for i in ids or () if i in entries]


def _form_names(cat: Catalogue, codes, lang: str) -> list[str]:
    # A form's code is printed on the paper form, so it stays next to the name; an unknown one as it is.
    names = []
    for code in codes or ():
        form = cat.form(code) if isinstance(code, str) else None
        names.append(f"{form['code']} {form['name'][lang]}" if form else str(code))
    return names


def _intent_names(case: dict, cat: Catalogue, texts: Texts, lang: str) -> list[str]:
    """Names of the intents the services and life situation shown do not already say; unnamed ones left out."""
    names = intent_names(lang, cat, texts)
    shown = {*(case.get("services") or ()), case.get("life_situation")}
    out = []
    for intent in case.get("intents") or ():
        topic = cat.topic(intent)
        if topic and (topic[1].get("id") in shown or topic[1].get("code") in shown):
            continue
        if intent in names and names[intent] not in out:
            out.append(names[intent])
    return out


def case_json(case: dict, cat: Catalogue, d: dict, lang: str, texts: Texts) -> dict:
    """A case as the dashboard shows it: codes, plus their names in the advisor's language (never a code)."""
    created = case["created_at"]
    situation = case.get("life_situation")
    labels = {
        "language": d["languages"].get(case["language"], case["language"]),
        "channel": d["channels"].get(case["channel"], case["channel"]),
        "reason": d["reasons"].get(case["reason"], case["reason"]),
        "status": d["statuses"].get(case["status"], case["status"]),
        "life_situation": next(iter(_names(cat.life_situations, [situation], lang)), "") if situation else "",
        "services": _names(cat.services, case.get("services"), lang),
        "forms": _form_names(cat, case.get("forms"), lang),
        "intents": _intent_names(case, cat, texts, lang),
    }
    # The card's one line: what the customer came for, most specific first.
    what = [labels["life_situation"], *labels["services"], *labels["forms"], *labels["intents"]]
    labels["what"] = [name for name in what if name] or [labels["reason"]]
    return {
        "id": case["id"],
        "ticket": case["ticket"],
        "created_at": created.isoformat(),
        "time": created.astimezone(HELSINKI).strftime("%H:%M"),
        "waited_minutes": max(0, int((dt.datetime.now(dt.UTC) - created).total_seconds() // 60)),
        "language": case["language"],
        "channel": case["channel"],
        "reason": case["reason"],
        "life_situation": situation,
        "services": list(case.get("services") or []),
        "forms": list(case.get("forms") or []),
        "intents": list(case.get("intents") or []),
        "bookings": list(case.get("bookings") or []),
        "status": case["status"],
        "assignee": case.get("assignee"),
        "taken_over": bool(case.get("taken_over")),
        "outcome": case.get("outcome"),
        "labels": labels,
    }


def change_json(change: dict) -> dict:
    """One entry of the change feed; `text` is a chat line (wiped when the case is resolved) or a forward's target."""
    at = change["at"]
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return {
        "id": change["id"],
        "case_id": change["case_id"],
        "kind": change["kind"],
        "actor": change["actor"],
        "text": change["text"],
        "at": at.isoformat(),
        "time": at.astimezone(HELSINKI).strftime("%H:%M"),
    }


def _authorities(cat: Catalogue, lang: str) -> list[tuple[str, str]]:
    today = dt.datetime.now(HELSINKI).date()
    return [(key, a["name"][lang]) for key, a in cat.active_authorities(today).items()]


def _pairs(cat: Catalogue, lang: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """(authority name, [("authority:category", category name)]): only the pairs the statistics accept."""
    return [
        (name, [(f"{key}:{c}", cat.category_name(key, c, lang)) for c in _pair_categories(cat, key)])
        for key, name in _authorities(cat, lang)
        if _pair_categories(cat, key)
    ]


def _pair_categories(cat: Catalogue, authority: str) -> list[str]:
    # The authority's standard list, narrowed to what this point offers (point.yml `capabilities`).
    return [c for c in cat.categories_for(authority) if c in cat.point["capabilities"]]


def _colleagues(accounts: AccountStore) -> list[str]:
    return [a.username for a in accounts.list() if a.has_role("advisor")]


def _context(request: Request, texts: Texts, cat: Catalogue, accounts: AccountStore) -> dict:
    lang = staff_lang(request)
    d = texts(lang)["dashboard"]
    notice = request.query_params.get("notice", "")
    return {
        "d": d,
        "outcomes": [(o, d["outcomes"][o]) for o in OUTCOMES],
        "authorities": _authorities(cat, lang),
        "pairs": _pairs(cat, lang),
        "colleagues": _colleagues(accounts),
        "notice": notice if notice in d["notices"] else None,
    }


def _texts_for_js(d: dict) -> dict:
    keys = (
        "live",
        "connecting",
        "reconnecting",
        "signed_out",
        "waited",
        "waited_now",
        "new_case_title",
        "new_case_body",
        "notifications_on",
        "notifications_blocked",
        "customer",
        "case_gone",
        "nobody",
    )
    return {**{k: d[k] for k in keys}, "notices": d["notices"]}


# Pages


@router.get("", response_class=HTMLResponse)
def dashboard(
    request: Request,
    info: Advisor,
    templates: Templates,
    texts: TextsDep,
    cases: Cases,
    cat: CatalogueDep,
    accounts: Accounts,
) -> HTMLResponse:
    context = _context(request, texts, cat, accounts)
    lang, d = staff_lang(request), context["d"]
    queue = [case_json(c, cat, d, lang, texts) for c in cases.open_cases(cat.point["id"])]
    return templates.TemplateResponse(
        request,
        "staff_dashboard.html",
        {
            **context,
            "cases": queue,
            "js": {**_texts_for_js(d), "view": "dashboard", "lang": lang, "me": info.account.username},
        },
    )


def _open_case(cases: CaseStore, case_id: int, cat: Catalogue) -> dict:
    case = cases.get(case_id)
    if case is None or case["point_id"] != cat.point["id"]:
        raise HTTPException(status_code=404, detail="unknown case")
    return case


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    case_id: RowId,
    request: Request,
    info: Advisor,
    templates: Templates,
    texts: TextsDep,
    cases: Cases,
    cat: CatalogueDep,
    accounts: Accounts,
) -> HTMLResponse:
    context = _context(request, texts, cat, accounts)
    lang, d = staff_lang(request), context["d"]
    case = case_json(_open_case(cases, case_id, cat), cat, d, lang, texts)
    lines = [change_json(c) for c in cases.changes_after(0, case_id=case_id, limit=1000) if c["kind"] == "message"]
    return templates.TemplateResponse(
        request,
        "staff_case.html",
        {
            **context,
            "case": case,
            "lines": lines,
            "max_chars": STAFF_MESSAGE_CHARS,
            "js": {**_texts_for_js(d), "view": "case", "case_id": case_id, "lang": lang, "me": info.account.username},
        },
    )


# Actions: every one is a POST form with the session's CSRF token; JSON clients get the case or 409.


def _back_to(request: Request, case_id: int, back: str, case: dict | None, notice: str | None) -> Response:
    path = f"/staff/cases/{case_id}" if back == "case" and (case is None or case["status"] in OPEN) else "/staff"
    query = {"lang": staff_lang(request)}
    if notice:
        query["notice"] = notice
    return RedirectResponse(f"{path}?{urlencode(query)}", status_code=303)


def _done(
    request: Request, case_id: int, back: str, case: dict, notice: str | None, cat: Catalogue, texts: Texts
) -> Response:
    """A done action: the case for a JSON client, the page (with a notice) for a form."""
    if wants_json(request):
        lang = staff_lang(request)
        return JSONResponse({"case": case_json(case, cat, texts(lang)["dashboard"], lang, texts)})
    return _back_to(request, case_id, back, case, notice)


def _refused(request: Request, case_id: int, back: str, code: str, status_code: int) -> Response:
    """A refused action: the code and the status for a JSON client, the page with the code as notice for a form."""
    if wants_json(request):
        return JSONResponse({"detail": code}, status_code=status_code)
    return _back_to(request, case_id, back, None, code)


class _Refused(Exception):
    def __init__(self, code: str, status_code: int):
        super().__init__(code)
        self.code, self.status_code = code, status_code


# An action gets the posted form and the case; it returns the changed case and the notice to show.
Action = Callable[[dict[str, str], dict], Awaitable[tuple[dict, str | None]]]


async def _act(
    request: Request, info: SessionInfo, case_id: int, cases: CaseStore, cat: Catalogue, texts: Texts, action: Action
) -> Response:
    """Check the CSRF token, run the action, and answer the way the client asked (JSON or a redirect)."""
    form = await staff_form(request, info.csrf_token)
    back = form.get("back", "")
    case = await run_in_threadpool(_open_case, cases, case_id, cat)
    try:
        case, notice = await action(form, case)
    except CaseConflict as exc:
        return _refused(request, case_id, back, exc.code, 409)
    except ConversationControlError as exc:
        return _refused(request, case_id, back, exc.code, 503 if exc.code == "no_token" else 502)
    except _Refused as exc:
        return _refused(request, case_id, back, exc.code, exc.status_code)
    return _done(request, case_id, back, case, notice, cat, texts)


@router.post("/cases/{case_id}/claim", openapi_extra=form_body(back=BACK))
async def claim(
    case_id: RowId,
    request: Request,
    info: Advisor,
    cases: Cases,
    cat: CatalogueDep,
    texts: TextsDep,
) -> Response:
    async def action(form, case):
        return cases.claim(case_id, info.account.username), None

    return await _act(request, info, case_id, cases, cat, texts, action)


@router.post("/cases/{case_id}/forward", openapi_extra=form_body(to=USERNAME, back=BACK))
async def forward(
    case_id: RowId,
    request: Request,
    info: Advisor,
    cases: Cases,
    cat: CatalogueDep,
    texts: TextsDep,
    accounts: Accounts,
) -> Response:
    async def action(form, case):
        to = form.get("to", "")
        if to == info.account.username or to not in _colleagues(accounts):
            raise _Refused("bad_colleague", 400)
        if case["taken_over"]:
            raise _Refused("hand_back_first", 409)  # the assistant is paused for the one who took over
        return cases.forward(case_id, info.account.username, to), "forwarded"

    return await _act(request, info, case_id, cases, cat, texts, action)


@router.post("/cases/{case_id}/takeover", openapi_extra=form_body(back=BACK))
async def take_over(
    case_id: RowId,
    request: Request,
    info: Advisor,
    cases: Cases,
    cat: CatalogueDep,
    texts: TextsDep,
    control: Control,
) -> Response:
    me = info.account.username

    async def action(form, case):
        if case["status"] not in OPEN:
            raise CaseConflict(f"case_{case['status']}")
        if case["taken_over"] or (case["status"] == "claimed" and case["assignee"] != me):
            raise _Refused("claimed_by_other" if case["assignee"] != me else "already_taken_over", 409)
        # Rasa first: when it cannot be told to stay silent, nothing changes in the case.
        await control.pause(case["conversation_id"])
        try:
            return cases.take_over(case_id, me), None
        except CaseConflict:
            await control.resume(case["conversation_id"])
            raise

    return await _act(request, info, case_id, cases, cat, texts, action)


@router.post("/cases/{case_id}/handback", openapi_extra=form_body(back=BACK))
async def hand_back(
    case_id: RowId,
    request: Request,
    info: Advisor,
    cases: Cases,
    cat: CatalogueDep,
    texts: TextsDep,
    control: Control,
) -> Response:
    async def action(form, case):
        if case["status"] not in OPEN:
            raise CaseConflict(f"case_{case['status']}")
        if not case["taken_over"]:
            raise _Refused("not_taken_over", 409)
        await control.resume(case["conversation_id"])
        return cases.hand_back(case_id, info.account.username), "handed_back"

    return await _act(request, info, case_id, cases, cat, texts, action)


@router.post(
    "/cases/{case_id}/resolve",
    openapi_extra=form_body(
        outcome={"type": "string", "enum": list(OUTCOMES)},
        pair={"type": "string", "maxLength": 129, "description": "authority:category, as the form offers them"},
        authority={"type": "string", "maxLength": 64, "description": "an authority id (when no pair is sent)"},
        category={"type": "string", "maxLength": 64, "description": "a category of its standard list"},
        back=BACK,
    ),
)
async def resolve(
    case_id: RowId,
    request: Request,
    info: Advisor,
    cases: Cases,
    cat: CatalogueDep,
    texts: TextsDep,
    events: Events,
    control: Control,
) -> Response:
    lang = staff_lang(request)

    async def action(form, case):
        outcome, authority, category = form.get("outcome"), form.get("authority"), form.get("category")
        if form.get("pair"):
            authority, _, category = form["pair"].partition(":")
        if outcome not in OUTCOMES:
            raise _Refused("bad_outcome", 400)
        if authority not in dict(_authorities(cat, lang)):
            raise _Refused("bad_authority", 400)
        if category not in cat.point["capabilities"]:
            raise _Refused("bad_category", 400)
        # Checked before the case changes: the event log would refuse the pair only after the resolve.
        if not cat.valid_pair(authority, category):
            raise _Refused("bad_pair", 422)
        if case["status"] == "resolved":
            raise CaseConflict("case_resolved")
        if case["taken_over"]:
            await control.resume(case["conversation_id"])  # the assistant answers again after the advisor
        done = cases.resolve(case_id, info.account.username, outcome, authority=authority, category=category)
        events.record(
            event_type="handoff_resolved",
            actor="advisor",
            authority=authority,
            category=category,
            channel=done["channel"],
            language=done["language"],
            point_id=done["point_id"],
        )
        return done, "resolved"

    return await _act(request, info, case_id, cases, cat, texts, action)


@router.post(
    "/cases/{case_id}/messages",
    openapi_extra=form_body(text={"type": "string", "minLength": 1, "maxLength": STAFF_MESSAGE_CHARS}, back=BACK),
)
async def send_message(
    case_id: RowId,
    request: Request,
    info: Advisor,
    cases: Cases,
    cat: CatalogueDep,
    texts: TextsDep,
) -> Response:
    async def action(form, case):
        try:
            text = clean_message(form.get("text", "")[: STAFF_MESSAGE_CHARS * 4])
        except ValueError:
            raise _Refused("bad_message", 400) from None
        if not 1 <= len(text) <= STAFF_MESSAGE_CHARS:
            raise _Refused("bad_message", 400)
        if case["status"] not in OPEN:
            raise CaseConflict(f"case_{case['status']}")
        if not case["taken_over"] or case["assignee"] != info.account.username:
            raise _Refused("not_taken_over", 409)
        return cases.add_message(case_id, info.account.username, text), None

    return await _act(request, info, case_id, cases, cat, texts, action)


# The live feed


def _last_event_id(value: str | None, cursor: int) -> int | None:
    last = row_id_of(value)
    if last is not None and last < cursor:
        return last
    return None


@router.get("/events", response_class=EventSourceResponse)
async def live_events(
    request: Request,
    info: Advisor,
    cases: Cases,
    cat: CatalogueDep,
    texts: TextsDep,
    settings: SettingsDep,
    accounts: Accounts,
    last_event_id: Annotated[str | None, Header()] = None,
) -> AsyncIterator[ServerSentEvent]:
    """A snapshot of every open case on each (re)connect, then each change as it is committed."""
    point, username, lang = cat.point["id"], info.account.username, staff_lang(request)
    d = texts(lang)["dashboard"]
    session_token = request.cookies.get(STAFF_COOKIE)
    await run_in_threadpool(cases.mark_present, username, point)
    # Subscribed first, then the cursor, then the cases: a change in between comes again as an event, never lost.
    feed = FeedChanges(
        request.app.state.change_listener,
        lambda after: cases.changes_after(after, point_id=point),
        lambda ids: cases.changes_with_ids(ids, point_id=point),
    )
    cursor = await run_in_threadpool(cases.last_change_id, point)
    feed.cursor = cursor
    snapshot = await run_in_threadpool(cases.open_cases, point)
    yield ServerSentEvent(
        event="snapshot",
        id=str(cursor),
        retry=2000,
        data={"cursor": cursor, "cases": [case_json(c, cat, d, lang, texts) for c in snapshot]},
    )
    missed_from = _last_event_id(last_event_id, cursor)
    if missed_from is not None:
        # Chat lines a reconnecting takeover view missed; no id, so the browser's cursor stays at the snapshot's.
        for change in await run_in_threadpool(cases.changes_after, missed_from, point_id=point, limit=1000):
            if change["kind"] == "message" and change["id"] <= cursor:
                yield ServerSentEvent(event="case", data={"change": change_json(change), "case": None})
    gone = asyncio.Event()
    watcher = asyncio.create_task(_watch_disconnect(request, gone))
    beat = time.monotonic()
    try:
        while not gone.is_set():
            for change in await feed.fetch():
                case = await run_in_threadpool(cases.get, change["case_id"])
                yield ServerSentEvent(
                    event="case",
                    id=str(change["id"]),
                    data={
                        "change": change_json(change),
                        "case": case_json(case, cat, d, lang, texts) if case else None,
                    },
                )
            if time.monotonic() - beat >= settings.staff_events_heartbeat_seconds:
                beat = time.monotonic()
                if await run_in_threadpool(accounts.session, session_token) is None:
                    return  # signed out or expired: the browser reconnects and gets a 401
                await run_in_threadpool(cases.mark_present, username, point)
                yield ServerSentEvent(comment="ping")
            idle = max(0.0, settings.staff_events_heartbeat_seconds - (time.monotonic() - beat))
            await feed.wait(settings.staff_events_poll_seconds, idle, gone)
    finally:
        feed.close()
        watcher.cancel()


async def _watch_disconnect(request: Request, gone: asyncio.Event) -> None:
    """Set `gone` when the browser closes the feed.

    A blocking receive, because request.is_disconnected() did not see the disconnect behind the
    app's http middleware (it polls with an already cancelled scope).
    """
    while (await request.receive())["type"] != "http.disconnect":
        pass
    gone.set()
