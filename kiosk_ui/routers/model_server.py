"""The active model for every Rasa instance: Rasa's model server protocol (ETag / If-None-Match)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
