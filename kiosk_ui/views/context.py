"""What every page's template gets without its handler passing it (a Jinja2 context processor).

A dependency decides the page's language the way its surface does (kiosk_ui.deps.customer_page,
staff_page) and keeps it on request.state; `page_context` then gives every template rendered for
that request `lang` and `t` (its texts), and on staff pages also `path` and the signed-in `info`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request

from kiosk_ui.texts import Texts
from store.accounts import SessionInfo


@dataclass(frozen=True)
class PageLanguage:
    """The page's language and which texts it shows: every text (None) or one section ("staff")."""

    lang: str
    section: str | None = None


def set_page_language(request: Request, lang: str, section: str | None = None) -> None:
    """Render this request's templates in `lang` (a receipt's sheet in the customer's language, say)."""
    request.state.page_language = PageLanguage(lang, section)


def set_staff_member(request: Request, info: SessionInfo) -> None:
    """The signed-in staff member the staff pages show in their header."""
    request.state.staff_member = info


def page_context(request: Request) -> dict[str, Any]:
    """`lang` and `t` for the request's templates; `sections`, `path` and `info` too on staff pages."""
    page: PageLanguage | None = getattr(request.state, "page_language", None)
    if page is None:
        return {}
    texts: Texts = request.app.state.texts
    tree = texts(page.lang)
    if page.section is None:
        return {"lang": page.lang, "t": tree}
    return {
        "lang": page.lang,
        "t": tree[page.section],
        # Every section of the page's language, for parts shared by several areas (the training nav).
        "sections": tree,
        "path": request.url.path,
        "info": getattr(request.state, "staff_member", None),
    }
