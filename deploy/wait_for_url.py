"""Wait until a URL answers 2xx/3xx, or give up after a number of seconds (exit 1); stdlib only."""

import sys
import time
import urllib.error
import urllib.request

# Rasa pulls its model from the web app once at start; started before the web app answers it would run
# without a model until the next pull (10 s later). Runs under either environment's python.


def main() -> int:
    """Poll argv[1] every half second for at most argv[2] seconds (default 60)."""
    url = sys.argv[1]
    deadline = time.monotonic() + (float(sys.argv[2]) if len(sys.argv) > 2 else 60.0)
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return 0
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    print(f"{url} did not answer; starting anyway", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
