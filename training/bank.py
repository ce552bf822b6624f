"""The model bank: every trained model with its state, scores and file (being built)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine


class ModelBank:
    """Models in the app database, their files under `directory`."""

    def __init__(self, engine: Engine, directory: Path):
        self.engine = engine
        self.directory = directory
