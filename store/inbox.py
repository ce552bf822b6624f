"""What the editors decided about customers' messages, and the evaluation set of real messages (the inbox feature)."""

from __future__ import annotations
