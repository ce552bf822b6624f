"""The evaluation set of real messages: customers' wording labelled by editors (being built)."""

from __future__ import annotations

from sqlalchemy.engine import Engine


class EvalSet:
    """Real messages with the intent an editor gave them; every candidate model is judged on them."""

    def __init__(self, engine: Engine):
        self.engine = engine
