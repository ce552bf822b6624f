"""The statistics page's chart: stacked bars per month, one colour per authority, as SVG coordinates."""

from __future__ import annotations

from typing import Any

SERIES_COLOURS = 8  # staff-records.css has this many bar colours; more authorities repeat them
CHART = {"width": 720, "height": 280, "left": 48, "right": 8, "top": 12, "bottom": 28}


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at least `value` (a round top for the axis)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def chart(rows: list[dict[str, Any]], authorities: list[tuple[str, str]], months: list[str]) -> dict[str, Any]:
    """Stacked bars per month (one colour per authority), as SVG coordinates for the template."""
    order = [key for key, _ in authorities]
    per_month = [[0] * len(order) for _ in range(12)]
    for row in rows:
        per_month[row["month"] - 1][order.index(row["authority"])] += row["count"]
    top = nice_ceiling(max([sum(m) for m in per_month] + [1]))
    width, height = CHART["width"], CHART["height"]
    plot_w = width - CHART["left"] - CHART["right"]
    plot_h = height - CHART["top"] - CHART["bottom"]
    slot = plot_w / 12
    bars = []
    for index, counts in enumerate(per_month):
        x = CHART["left"] + index * slot + slot * 0.2
        y: float = CHART["top"] + plot_h
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
