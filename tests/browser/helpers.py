"""Screenshots and axe-core checks shared by the browser tests."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
IMPACTS = ("critical", "serious", "moderate", "minor")
AXE_RESULTS: dict[str, dict[str, int]] = {}  # name -> violations (rules) per impact, for the summary
# Each app's registered kiosk (issue 12): its origin -> the device secret kiosk pages hold as their cookie.
KIOSK_SECRETS: dict[str, str] = {}


def shot(page, name: str, full_page: bool = False) -> None:
    """test-artifacts/screenshots/<name>.png"""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=full_page)


def inject_axe(page) -> None:
    """axe-core into every frame. Through the DevTools protocol, so the app's Content Security
    Policy does not block it (a <script> tag would be)."""
    source = AXE_JS.read_text(encoding="utf-8")
    for frame in page.frames:
        if frame.evaluate("() => typeof window.axe") != "object":
            frame.evaluate(source + "\n;undefined")


def run_axe(page) -> dict:
    inject_axe(page)
    return page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags},
                                      resultTypes: ['violations']})""",
        AXE_TAGS,
    )


def format_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} [{violation['helpUrl']}]")
        for node in violation["nodes"][:10]:
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {node['target']}: {node['html'][:200]}")
            lines.append(f"      {summary[:400]}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more nodes")
    return "\n".join(lines)


def check_axe(page, name: str) -> list[dict]:
    """Run axe (WCAG 2.0/2.1 A and AA) on the page as it is now; fail on any serious or critical
    violation, printing every violation. All results go to test-artifacts/axe/<name>.json."""
    violations = run_axe(page)["violations"]
    (ARTIFACTS / "axe").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe" / f"{name}.json").write_text(json.dumps(violations, indent=2, ensure_ascii=False))
    counts = Counter(v["impact"] or "minor" for v in violations)
    AXE_RESULTS[name] = {impact: counts.get(impact, 0) for impact in IMPACTS}
    if violations:
        print(f"axe {name}:\n{format_violations(violations)}")
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"axe: {len(blocking)} serious/critical violations on {name}:\n{format_violations(blocking)}"
    return violations


def write_axe_summary(results: dict[str, dict[str, int]]) -> None:
    (ARTIFACTS / "axe").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "axe" / "summary.json").write_text(json.dumps(results, indent=2, sort_keys=True))
