"""The municipality website's chat widget: one script tag, and a demo page that embeds it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from booking.config import BookingConfig
from kiosk_ui.deps import CatalogueDep, Templates, WidgetScript, customer_page
from kiosk_ui.texts import LANGUAGES, Texts
from kiosk_ui.views.chat_client import client_config
from service_catalogue.loader import Catalogue

router = APIRouter(tags=["widget"], dependencies=[Depends(customer_page)])
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
# The widget is one file: the case feed and the chat core (shared with the kiosk) and the widget's own panel.
WIDGET_SOURCES = ("case-feed.js", "chat-core.js", "widget-panel.js")
WIDGET_STYLES = ("chat-core.css", "widget.css")


def build_widget_script(cat: Catalogue, texts: Texts, booking: BookingConfig, templates: Jinja2Templates) -> str:
    """The widget's code with its texts, styles and the point's names built in: one request, no build step."""
    widget_texts = {lang: {"widget": texts(lang)["widget"], "chat": texts(lang)["chat"]} for lang in LANGUAGES}
    config = client_config(cat, booking, widget_texts)
    return templates.get_template("widget_bundle.js").render(
        config=config,
        # The case feed is shared with the kiosk; inside the bundle's closure it adds no global name.
        source="\n".join((STATIC_DIR / name).read_text(encoding="utf-8") for name in WIDGET_SOURCES),
        css="\n".join((STATIC_DIR / name).read_text(encoding="utf-8") for name in WIDGET_STYLES),
    )


@router.get(
    "/widget.js",
    response_class=Response,
    summary="The chat widget for the municipality's website",
    responses={200: {"content": {"application/javascript": {}}}},
)
def widget_script(script: WidgetScript) -> Response:
    """The widget script, built once when the app started (its inputs never change while it runs)."""
    # Any site may load the script; the API calls it makes are what CORS restricts.
    return Response(
        script,
        media_type="application/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Cross-Origin-Resource-Policy": "cross-origin"},
    )


@router.get("/widget/demo", response_class=HTMLResponse, summary="A sample municipality page with the widget")
def widget_demo(
    request: Request,
    cat: CatalogueDep,
    templates: Templates,
    lang: Annotated[str, Query(pattern="^(fi|sv|en)$")] = "fi",
    color: Annotated[str, Query(pattern="^#[0-9a-fA-F]{6}$")] = "#1a5fb4",
) -> HTMLResponse:
    """How the widget looks on a municipality's page; also what the browser tests open."""
    return templates.TemplateResponse(request, "widget_demo.html", {"point": cat.point, "color": color})
