"""Registered kiosk devices (admin): register, show the secret once, revoke (issue 12)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from kiosk_ui.deps import staff_page

router = APIRouter(prefix="/staff", tags=["staff"], include_in_schema=False, dependencies=[Depends(staff_page)])
