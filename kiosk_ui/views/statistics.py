"""The statistics page's tables (authority × category and event type, per month) and their CSV export."""

from __future__ import annotations

import csv
import io
from typing import Any

from kiosk_ui.views.chart import chart
from kiosk_ui.views.records import authority_name
from service_catalogue.loader import Catalogue
from store.events import EVENT_TYPES


def statistics_view(rows: list[dict[str, Any]], cat: Catalogue, records: dict[str, Any], lang: str) -> dict[str, Any]:
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


CSV_COLUMNS = ("month", "authority", "category", "event_type", "count", "authority_name", "category_name")


def export_csv(rows: list[dict[str, Any]], year: int, cat: Catalogue, lang: str) -> bytes:
    """month;authority;category;event_type;count (+ names in the page language), UTF-8 with a BOM.

    Semicolons, because Excel set to Finnish or Swedish splits a CSV file on semicolons (the comma
    is the decimal sign there); the BOM makes it read ä and ö right.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
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
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
