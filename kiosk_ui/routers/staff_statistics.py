"""Statistics of the point's service events (apudiaari) per month, as a page with a chart and as CSV (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from kiosk_ui.deps import Admin, CatalogueDep, StatisticsDep, Templates, TextsDep, staff_lang, staff_page
from kiosk_ui.views.records import now, records_texts
from kiosk_ui.views.statistics import export_csv, statistics_view

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])
Year = Annotated[
    int | None, Query(ge=2000, le=2100, description="calendar year (Helsinki time); the current one by default")
]


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(
    request: Request,
    info: Admin,
    templates: Templates,
    texts: TextsDep,
    cat: CatalogueDep,
    statistics: StatisticsDep,
    year: Year = None,
) -> HTMLResponse:
    lang = staff_lang(request)
    records = records_texts(texts, lang)
    this_year = now().year
    year = year or this_year
    rows = statistics.monthly_counts(year, cat.point["id"])
    years = sorted(set(statistics.years(cat.point["id"])) | {year, this_year}, reverse=True)
    return templates.TemplateResponse(
        request,
        "staff_statistics.html",
        {"r": records, "year": year, "years": years, "view": statistics_view(rows, cat, records, lang)},
    )


@router.get("/statistics.csv")
def statistics_csv(
    request: Request,
    info: Admin,
    cat: CatalogueDep,
    statistics: StatisticsDep,
    year: Year = None,
) -> Response:
    """month;authority;category;event_type;count (+ names in the page language), UTF-8 with a BOM, for Excel."""
    year = year or now().year
    rows = statistics.monthly_counts(year, cat.point["id"])
    filename = f"apudiaari-{cat.point['id']}-{year}.csv"
    return Response(
        export_csv(rows, year, cat, staff_lang(request)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
