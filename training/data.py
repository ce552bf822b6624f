"""The training examples: the repository's nlu_data/ with the editors' changes over it (being built)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

NLU_DIR = Path(__file__).resolve().parents[1] / "nlu_data"


class TrainingData:
    """Examples per intent and language: nlu_data/ merged with the editors' changes kept in the database."""

    def __init__(self, engine: Engine, nlu_dir: Path = NLU_DIR):
        self.engine = engine
        self.nlu_dir = nlu_dir
