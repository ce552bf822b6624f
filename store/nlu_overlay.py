"""The editors' changes to the training examples, over the repository's nlu_data/ (filled by the examples feature)."""

from __future__ import annotations
