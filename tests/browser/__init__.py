"""Browser tests: Playwright on Debian's Chromium against the real stack, with axe-core."""
