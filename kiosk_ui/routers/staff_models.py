"""Train, evaluate, activate and roll back models: the model bank (/staff/training/models)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
