"""`python -m kiosk_ui.staff_admin ensure-admin`: make the first admin when there is none.

`python -m kiosk_ui.staff_admin register-kiosk NAME [BASE_URL]`: register a kiosk at the catalogue's point
without the staff pages (setting a point up from the server) and print its enrolment link once.

With STAFF_ADMIN_USER and STAFF_ADMIN_PASSWORD set, the admin gets that password. Otherwise the
user is `admin` with a one-time password printed once to stdout (never written to a file); the
admin must change it at the first login. When an admin exists, nothing changes.
"""

from __future__ import annotations

import os
import secrets
import sys

from kiosk_ui.settings import Settings
from service_catalogue.loader import load_catalogue
from store.accounts import AccountStore
from store.db import open_database
from store.devices import DeviceStore, enrolment_path


def ensure_admin(store: AccountStore, environ=os.environ, out=sys.stdout) -> bool:
    """Create the first admin; True when one was created."""
    if store.has_admin():
        print("staff: an admin account exists; nothing to do.", file=out)
        return False
    username = environ.get("STAFF_ADMIN_USER") or "admin"
    password = environ.get("STAFF_ADMIN_PASSWORD")
    if password:
        store.create(username, password, "admin")
        print(f"staff: created admin account {username!r} from STAFF_ADMIN_USER/STAFF_ADMIN_PASSWORD.", file=out)
        return True
    password = secrets.token_urlsafe(15)
    store.create(username, password, "admin", must_change_password=True)
    print(
        f"staff: created admin account {username!r} with the one-time password {password}\n"
        "staff: it is shown only now; change it at the first login at /staff/login.",
        file=out,
    )
    return True


def register_kiosk(devices: DeviceStore, point_id: str, name: str, base_url: str, out=sys.stdout) -> str:
    """Register a kiosk and print the link to open on it; the link (its secret) is shown only here."""
    device, secret = devices.register(point_id, name, "staff_admin")
    url = base_url.rstrip("/") + enrolment_path(secret)
    print(f"kiosk {device['id']} ({name}) at {point_id}: open this link once on the kiosk browser:\n{url}", file=out)
    return url


USAGE = "usage: python -m kiosk_ui.staff_admin ensure-admin | register-kiosk NAME [BASE_URL]"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    engine = open_database(Settings().app_database_url)
    if argv == ["ensure-admin"]:
        ensure_admin(AccountStore(engine))
        return 0
    if argv[:1] == ["register-kiosk"] and len(argv) in (2, 3):
        base_url = argv[2] if len(argv) == 3 else "http://localhost:8000"
        try:
            register_kiosk(DeviceStore(engine), load_catalogue().point["id"], argv[1], base_url)
        except ValueError as exc:
            print(f"register-kiosk: {exc}", file=sys.stderr)
            return 2
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
