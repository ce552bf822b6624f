"""The cost-sharing report of the point's service events (apudiaari): page with a chart, CSV and a printable
sheet per authority (admin)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from kiosk_ui.deps import (
    Admin,
    BookingConfigDep,
    CatalogueDep,
    StatisticsDep,
    Templates,
    TextsDep,
    staff_lang,
    staff_page,
)
from kiosk_ui.views.context import set_page_language
from kiosk_ui.views.printing import printed_at
from kiosk_ui.views.records import now, records_texts
from kiosk_ui.views.statistics import cost_report, export_csv, statistics_view
from service_catalogue.loader import Catalogue
from store.events import ACTORS
from store.statistics import Statistics

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])
Year = Annotated[
    int | None, Query(ge=2000, le=2100, description="calendar year (Helsinki time); the current one by default")
]
Month = Annotated[int | None, Query(ge=1, le=12, description="month 1-12 (Helsinki time); the current one by default")]
Point = Annotated[str | None, Query(max_length=64, description="a point id; this point by default")]
Authority = Annotated[str, Query(max_length=64, description="an authority id")]


def _point(point: str | None, cat: Catalogue, statistics: Statistics) -> str:
    """The asked point if it is this one or has events; any other is not found."""
    chosen = point or cat.point["id"]
    if chosen != cat.point["id"] and chosen not in statistics.points():
        raise HTTPException(status_code=404, detail="no such point")
    return chosen


def _period(year: int | None, month: int | None) -> tuple[int, int]:
    today = now()
    return year or today.year, month or today.month


def _query(**values: object) -> str:
    return urlencode({k: v for k, v in values.items() if v is not None})


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(
    request: Request,
    info: Admin,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    statistics: StatisticsDep,
    year: Year = None,
    month: Month = None,
    point: Point = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    records = records_texts(texts, lang)
    point_id = _point(point, cat, statistics)
    year, month = _period(year, month)
    rows = statistics.month_counts(year, month, point_id)
    years = sorted(set(statistics.years(point_id)) | {year, now().year}, reverse=True)
    # This point by its name; another point's events (an earlier id, a second point) by their id.
    names = {cat.point["id"]: cat.point["name"][lang]}
    points = [(p, names.get(p, p)) for p in sorted(set(statistics.points()) | {cat.point["id"]})]
    query = {"year": year, "month": month, "point": point_id, "lang": lang}
    return templates.TemplateResponse(
        request,
        "staff_statistics.html",
        {
            "r": records,
            "year": year,
            "month": month,
            "period": f"{records['month_names'][f'm{month:02d}']} {year}",
            "years": years,
            "points": points,
            "point_id": point_id,
            "view": statistics_view(rows, cat, records, lang),
            "csv_month": "/staff/statistics.csv?" + _query(**query),
            "csv_year": "/staff/statistics.csv?" + _query(**{**query, "month": None}),
            "report_query": _query(**query),
        },
    )


@router.get("/statistics.csv")
def statistics_csv(
    request: Request,
    info: Admin,
    texts: TextsDep,
    cat: CatalogueDep,
    statistics: StatisticsDep,
    year: Year = None,
    month: Month = None,
    point: Point = None,
) -> Response:
    """month;point;authority;category;actor;event_type;count (+ names in the page language), UTF-8 with a BOM.

    One month when `month` is given, else every month of the year.
    """
    lang = staff_lang(request)
    point_id = _point(point, cat, statistics)
    year = year or now().year
    chosen = [month] if month else range(1, 13)
    months = [(f"{year}-{m:02d}", statistics.month_counts(year, m, point_id)) for m in chosen]
    filename = f"apudiaari-{point_id}-{year}" + (f"-{month:02d}" if month else "") + ".csv"
    return Response(
        export_csv(months, point_id, cat, records_texts(texts, lang), lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/statistics/report", response_class=HTMLResponse)
def statistics_report(
    request: Request,
    info: Admin,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    config: BookingConfigDep,
    statistics: StatisticsDep,
    authority: Authority,
    year: Year = None,
    month: Month = None,
    point: Point = None,
) -> HTMLResponse:
    """One sheet for one authority and month: its categories × actors and its volume, to send to the authority."""
    lang = staff_lang(request)
    set_page_language(request, lang)  # the print sheet's frame (print button, date) reads the full texts
    records = records_texts(texts, lang)
    point_id = _point(point, cat, statistics)
    year, month = _period(year, month)
    report = cost_report(statistics.month_counts(year, month, point_id), cat, lang)
    entry = next((a for a in report["authorities"] if a["key"] == authority), None)
    if entry is None:
        if authority not in cat.authorities:
            raise HTTPException(status_code=404, detail="no such authority")
        # A month without events of this authority still gets its sheet: its list at zero.
        (entry,) = cost_report([], cat, lang, only=authority)["authorities"]
    back = "/staff/statistics?" + _query(year=year, month=month, point=point_id, lang=lang)
    return templates.TemplateResponse(
        request,
        "print_statistics.html",
        {
            "r": records,
            "point": cat.point,
            "point_id": point_id,
            "entry": entry,
            "actors": [(a, records["actors"][a]) for a in ACTORS],
            "period": f"{records['month_names'][f'm{month:02d}']} {year}",
            "back": back,
            "printed": printed_at(config, lang),
        },
    )
