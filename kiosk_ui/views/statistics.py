"""The cost-sharing report (per month and point): per authority, categories × actors, volumes, chart and CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from kiosk_ui.views.chart import actor_chart
from kiosk_ui.views.records import authority_name
from service_catalogue.loader import Catalogue
from store.events import ACTORS


def _order(known: list[str], found: set[str]) -> list[str]:
    """`known` first in its order, then anything else found (an id the catalogue no longer lists), sorted."""
    return [k for k in known if k in found] + sorted(found - set(known))


def cost_report(rows: list[dict[str, Any]], cat: Catalogue, lang: str, only: str | None = None) -> dict[str, Any]:
    """Per authority (catalogue order): its categories (its standard list's order) × actors, with totals.

    Counts are summed from the store's GROUP BY rows only, so every figure is one of theirs or their sum.
    `only` names one authority to report even without rows (its sheet of a quiet month).
    """
    counts: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        counts.setdefault((row["authority"], row["category"]), [0] * len(ACTORS))[ACTORS.index(row["actor"])] += row[
            "count"
        ]
    authorities = []
    present = {only} if only else {a for a, _ in counts}
    for authority in _order(list(cat.authorities), present):
        standard = cat.categories_for(authority)
        # The authority's whole standard list, zeros too, so its sheet always reads the same way.
        found = {c for a, c in counts if a == authority} | set(standard)
        categories: list[dict[str, Any]] = []
        for category in _order(standard, found):
            numbers = counts.get((authority, category), [0] * len(ACTORS))
            name = cat.category_name(authority, category, lang)
            categories.append({"key": category, "name": name, "counts": numbers, "total": sum(numbers)})
        totals = [sum(c["counts"][i] for c in categories) for i in range(len(ACTORS))]
        authorities.append(
            {
                "key": authority,
                "name": authority_name(cat, authority, lang),
                "categories": categories,
                "totals": totals,
                "total": sum(totals),
            }
        )
    totals = [sum(a["totals"][i] for a in authorities) for i in range(len(ACTORS))]
    return {"authorities": authorities, "totals": totals, "total": sum(totals)}


def statistics_view(rows: list[dict[str, Any]], cat: Catalogue, records: dict[str, Any], lang: str) -> dict[str, Any]:
    """The page's report with the actors' names and the chart."""
    report = cost_report(rows, cat, lang)
    actor_names = [records["actors"][a] for a in ACTORS]
    chart = actor_chart(report["authorities"], actor_names)
    return {**report, "actors": list(zip(ACTORS, actor_names, strict=True)), "chart": chart}


CSV_COLUMNS = (
    "month",
    "point",
    "authority",
    "category",
    "actor",
    "event_type",
    "count",
    "authority_name",
    "category_name",
    "actor_name",
)


def export_csv(
    months: list[tuple[str, list[dict[str, Any]]]], point_id: str, cat: Catalogue, records: dict[str, Any], lang: str
) -> bytes:
    """One line per (month, authority, category, actor, event type) with its count, UTF-8 with a BOM.

    `months` is [("2026-11", the store's rows of that month)]. The `actor` column keeps the assistant's
    work apart from the advisor's. Semicolons, because Excel set to Finnish or Swedish splits a CSV file on
    semicolons (the comma is the decimal sign there); the BOM makes it read ä and ö right.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for month, rows in months:
        for row in rows:
            writer.writerow(
                [
                    month,
                    point_id,
                    row["authority"],
                    row["category"],
                    row["actor"],
                    row["event_type"],
                    row["count"],
                    authority_name(cat, row["authority"], lang),
                    cat.category_name(row["authority"], row["category"], lang),
                    records["actors"].get(row["actor"], row["actor"]),
                ]
            )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
