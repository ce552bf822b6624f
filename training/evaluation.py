"""Evaluation of a candidate model against the active one (being built)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy.engine import Engine

from training.bank import ModelRecord


def evaluator(
    engine: Engine, directory: Path, margin_points: float
) -> Callable[[ModelRecord, Path], Awaitable[tuple[dict | None, bool]]]:
    """The runner's evaluation step: scores of the candidate and whether it is a regression."""

    async def evaluate(record: ModelRecord, path: Path) -> tuple[dict | None, bool]:
        return None, False

    return evaluate
