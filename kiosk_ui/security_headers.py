"""Security headers on every response: a Content-Security-Policy, framing, sniffing, referrer, permissions, HSTS.

One pure ASGI middleware (it also covers streamed answers such as the Server-Sent Events feeds) sets the
headers a route has not set itself. Every page loads only from this app; what differs per page is below.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The kiosk, the print sheets and the staff pages load nothing from elsewhere; the kiosk frames its print
# sheets, so every page may be framed by this app only (clickjacking from other sites is ruled out).
STRICT_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)
# The widget adds its stylesheet as a <style> element in its shadow root, as it does on a municipality's
# page (which must allow that too); its demo page is otherwise as strict as the others.
WIDGET_DEMO_CSP = STRICT_CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
# FastAPI's API docs (/docs, /redoc) load Swagger UI / ReDoc from jsDelivr and start them with an inline script.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; "
    "form-action 'self'; object-src 'none'"
)
PAGE_CSP = {"/widget/demo": WIDGET_DEMO_CSP, "/docs": DOCS_CSP, "/redoc": DOCS_CSP}
# No page uses these browser features; the kiosk's full screen comes from the browser's kiosk mode.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)
HSTS = "max-age=31536000"
# Pages and answers that may hold a customer's conversation are never kept by a browser or proxy.
NO_STORE_PREFIXES = ("/kiosk", "/print/", "/api/", "/bookings/", "/staff")


def security_headers(path: str, https: bool) -> dict[str, str]:
    """The headers a response to this path gets unless its route set them."""
    headers = {
        "Content-Security-Policy": PAGE_CSP.get(path, STRICT_CSP),
        # For browsers that predate frame-ancestors.
        "X-Frame-Options": "SAMEORIGIN",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Permissions-Policy": PERMISSIONS_POLICY,
    }
    if https:
        headers["Strict-Transport-Security"] = HSTS
    if path.startswith(NO_STORE_PREFIXES):
        headers["Cache-Control"] = "no-store"
    return headers


class SecurityHeaders:
    """ASGI middleware that adds security_headers() to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # uvicorn --proxy-headers sets the scheme from the TLS-terminating proxy's X-Forwarded-Proto.
        wanted = security_headers(scope["path"], scope.get("scheme") == "https")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in wanted.items():
                    if name == "Cache-Control" or name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
