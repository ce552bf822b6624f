"""The cost-sharing report's chart: one stacked bar per authority, a segment per actor, as SVG coordinates."""

from __future__ import annotations

from typing import Any

CHART = {"width": 720, "left": 230, "right": 16, "top": 8, "row": 30, "bar": 18, "bottom": 24}


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at least `value` (a round end for the axis)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def actor_chart(authorities: list[dict[str, Any]], actor_names: list[str]) -> dict[str, Any]:
    """Horizontal bars per authority (name on the left), stacked by actor in ACTORS order, with a value axis.

    `authorities` are the report's entries: each has `name` and `totals` (one count per actor).
    """
    top = nice_ceiling(max([a["total"] for a in authorities] + [1]))
    width, left = CHART["width"], CHART["left"]
    plot_w = width - left - CHART["right"]
    base = CHART["top"] + CHART["row"] * len(authorities)
    bars = []
    for index, authority in enumerate(authorities):
        x: float = left
        y = CHART["top"] + index * CHART["row"] + (CHART["row"] - CHART["bar"]) / 2
        for series, count in enumerate(authority["totals"]):
            if not count:
                continue
            w = plot_w * count / top
            bars.append(
                {
                    "x": round(x, 1),
                    "y": round(y, 1),
                    "width": round(w, 1),
                    "height": CHART["bar"],
                    "series": series,
                    "title": f"{authority['name']}: {actor_names[series]} {count}",
                }
            )
            x += w
    labels = [
        {"x": left - 8, "y": round(CHART["top"] + i * CHART["row"] + CHART["row"] / 2 + 4, 1), "text": a["name"]}
        for i, a in enumerate(authorities)
    ]
    ticks = [{"value": top * i // 4, "x": round(left + plot_w * i / 4, 1)} for i in range(5) if (top * i) % 4 == 0]
    return {
        "width": width,
        "height": base + CHART["bottom"],
        "left": left,
        "top": CHART["top"],
        "base": base,
        "tick_y": base + 16,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
    }
