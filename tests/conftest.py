"""Repository-level tests: packaging, docker-compose, live server. None of them runs
inside the pytest-odoo process's Odoo: the live tests start their own server."""

import pytest


# pytest-odoo's autouse fixtures load an Odoo registry (and HTTP server) for every test
# of the session, which fails without --odoo-database. Nothing here needs Odoo: these
# overrides make these tests runnable on their own, and are no-ops in a full suite run.
@pytest.fixture(scope="session")
def load_registry():
    yield


@pytest.fixture(scope="session")
def load_http():
    yield
