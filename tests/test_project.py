"""pyproject.toml tells the truth: every dependency it names is pinned where that part is installed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")


def pins(*sources: str) -> dict[str, str]:
    """Name -> pinned version from requirement files (and the Makefile's `pip install ... x==y` lines)."""
    found: dict[str, str] = {}
    for source in sources:
        for line in (ROOT / source).read_text(encoding="utf-8").splitlines():
            words = line.split("#", 1)[0].split()
            if source == "Makefile" and "install" not in words:
                continue
            for word in words:
                match = PIN.match(word)
                if match:
                    found[canonicalize_name(match[1])] = match[2]
    return found


RASA_ENV = pins("requirements/rasa.lock", "requirements/rasa-dev.txt", "Makefile")
WEB_ENV = pins("requirements/web.txt", "requirements/browser.txt")
LINT_ENV = pins("requirements/lint.txt")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# Which environments install each list of pyproject.toml.
WHERE = {
    "dependencies": [RASA_ENV, WEB_ENV],
    "rasa": [RASA_ENV],
    "web": [WEB_ENV],
    "test": [WEB_ENV],
    "lint": [LINT_ENV],
}
CASES = [("dependencies", r) for r in PROJECT["dependencies"]] + [
    (extra, r) for extra, requirements in PROJECT["optional-dependencies"].items() for r in requirements
]


@pytest.mark.parametrize(("part", "requirement"), CASES, ids=[f"{p}:{r}" for p, r in CASES])
def test_every_declared_dependency_is_pinned_where_it_runs(part, requirement):
    requirement = Requirement(requirement)
    for environment in WHERE[part]:
        version = environment.get(canonicalize_name(requirement.name))
        assert version, f"{requirement.name} ({part}) is pinned in no requirement file of its environment"
        assert requirement.specifier.contains(version, prereleases=True), f"{requirement.name}=={version}"


def test_every_part_is_listed():
    assert set(PROJECT["optional-dependencies"]) | {"dependencies"} == set(WHERE)
