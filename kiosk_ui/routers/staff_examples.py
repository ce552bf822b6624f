"""Training examples per intent and language, with history and revert (/staff/training/intents)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
