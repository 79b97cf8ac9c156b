"""The ``micc_sim`` pytest fixtures: a simulator on a free loopback port, reset to the test's world for each test.

Installed with micc-sim (a ``pytest11`` entry point), so an integrator's suite only writes::

    def test_my_integration_posts_chats(micc_sim):
        my_app = MyApp(micc_url=micc_sim.base_url, client_id="Talkative", secret=micc_sim.talkative_secret)
        my_app.start_chat("Ada")
        micc_sim.advance(5)
        assert micc_sim.count("POST", "*/openmedia") == 1

``micc_sim`` shares one server per pytest session (one per distinct set of settings) and resets it before each
test: the world, tokens, timers, journal and faults are as at start, and the manual clock is back at its start.
``micc_sim_fresh`` starts a server of the test's own. The clock is manual: nothing moves until the test calls
``advance``. Options come from the marker ``@pytest.mark.micc_sim(world="tests/world.yaml", quirks={...},
clock="real", token_lifetime=60)`` (any keyword of :class:`micc_sim.settings.Settings`; ``world`` is a world file,
``scenario="scenarios/x.yaml"`` starts from a scenario's world and quirks) and, for every test, from
``--micc-sim-world FILE`` (or the ``micc_sim_world`` ini option).

This module imports nothing but pytest: a suite that never asks for a simulator pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from micc_sim.harness.fixture import MiccSim, Options, Pool


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("micc-sim")
    group.addoption("--micc-sim-world", default=None, metavar="FILE",
                    help="world file the micc_sim fixtures start from (default: the embedded world)")
    parser.addini("micc_sim_world", "world file the micc_sim fixtures start from", default=None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "micc_sim(world=None, **settings): options of the micc_sim fixtures (a world file, a scenario, "
                   "quirks, clock, token_lifetime, ...)")


def _options(request: pytest.FixtureRequest) -> Options:
    from micc_sim.harness.fixture import Options

    marker = request.node.get_closest_marker("micc_sim")
    config = request.config
    default_world = config.getoption("--micc-sim-world") or config.getini("micc_sim_world") or None
    return Options.from_marker(marker.args if marker else (), dict(marker.kwargs) if marker else {},
                               config.rootpath, default_world)


@pytest.fixture(scope="session")
def micc_sim_pool() -> Iterator[Pool]:
    """The session's simulators (started when a test first needs one; stopped when the session ends)."""
    from micc_sim.harness.fixture import Pool

    pool = Pool()
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def micc_sim(request: pytest.FixtureRequest, micc_sim_pool: Pool) -> Iterator[MiccSim]:
    """A running simulator (default world, manual clock) shared by the session and reset to this test's world."""
    fixture = micc_sim_pool.acquire(_options(request))
    try:
        yield fixture
    finally:
        fixture.close()


@pytest.fixture
def micc_sim_fresh(request: pytest.FixtureRequest) -> Iterator[MiccSim]:
    """A simulator of this test's own, started for it and stopped after it."""
    from micc_sim.harness.fixture import fresh

    with fresh(_options(request)) as fixture:
        try:
            yield fixture
        finally:
            fixture.close()
