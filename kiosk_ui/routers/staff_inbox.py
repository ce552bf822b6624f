"""The editors' inbox: customers' messages the assistant did not understand (/staff/training)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
