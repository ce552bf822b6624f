"""A throwaway PostgreSQL server for the store's tests (tests/servers.py)."""

import pytest

from tests.servers import postgres_server


@pytest.fixture
def postgres():
    """A PostgreSQL server of its own on a Unix socket (no TCP port); the URL of its empty database `app`.

    Skipped without an installed server (Debian's postgresql package, which .ci/run installs) or a driver."""
    pytest.importorskip("psycopg2", reason="no PostgreSQL driver in this environment")
    with postgres_server() as url:
        yield url
