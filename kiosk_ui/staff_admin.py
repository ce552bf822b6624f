"""`python -m kiosk_ui.staff_admin ensure-admin`: make the first admin when there is none.

With STAFF_ADMIN_USER and STAFF_ADMIN_PASSWORD set, the admin gets that password. Otherwise the
user is `admin` with a one-time password printed once to stdout (never written to a file); the
admin must change it at the first login. When an admin exists, nothing changes.
"""

from __future__ import annotations

import os
import secrets
import sys

from kiosk_ui.settings import Settings
from store.accounts import AccountStore
from store.db import open_database


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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["ensure-admin"]:
        print("usage: python -m kiosk_ui.staff_admin ensure-admin", file=sys.stderr)
        return 2
    store = AccountStore(open_database(Settings().app_database_url))
    ensure_admin(store)
    return 0


if __name__ == "__main__":
    sys.exit(main())
