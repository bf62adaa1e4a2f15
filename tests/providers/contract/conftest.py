"""The ``harness`` fixture: every contract test runs once per backend in ``BACKENDS``.

Only the fixtures of the backend in use are started (Radicale for ``caldav``, the Google fake for
``google``, ...), so ``-k memory`` runs the suite in a fraction of a second.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.providers.contract.harnesses import BACKENDS, Harness


@pytest.fixture(params=list(BACKENDS))
def built_harness(request: pytest.FixtureRequest) -> Harness:
    return BACKENDS[request.param](request)


@pytest.fixture
async def harness(built_harness: Harness) -> AsyncIterator[Harness]:
    """A backend's harness with its provider open (closed again after the test)."""
    async with built_harness.provider:
        yield built_harness
