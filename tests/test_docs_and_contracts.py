"""The README and the contracts stay true to what is built."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import validate

from micc_sim.faces.micc.authserver.responses import HANDLERS as AUTH_HANDLERS
from micc_sim.faces.micc.sdk import HANDLERS as MICC_SDK_HANDLERS
from micc_sim.spec.contract import CONTRACTS_DIR, load_contract
from micc_sim.world.clock import Clock
from micc_sim.world.core import OpenMediaRequest, World
from micc_sim.world.seed import default_world

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _rows(heading: str) -> list[list[str]]:
    """The rows of the first Markdown table after ``heading``."""
    section = README.split(heading, 1)[1]
    rows = []
    for line in section.splitlines():
        if line.startswith("|"):
            rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]


@pytest.fixture(scope="module")
def world() -> World:
    return World(default_world(), Clock("manual"))


def test_the_readme_lists_every_login_with_its_id(world):
    rows = {row[0]: row for row in _rows("Logins (the password grant")}
    assert set(rows) == {e.username for e in world.employees.values()}
    for employee in world.employees.values():
        row = rows[employee.username]
        assert row[1] == employee.password and row[2] == employee.name and row[3] == employee.role.value
        assert row[4] == (employee.reporting or "") and row[7] == employee.id


def test_the_readme_lists_every_queue_group_and_server_with_its_id(world):
    queues = {row[0]: row for row in _rows("Queues:")}
    assert {name: (row[1], row[-1]) for name, row in queues.items()} == {
        q.name: (q.reporting, q.id) for q in world.queues.values()}
    groups = {row[0]: row[-1] for row in _rows("Agent groups:")}
    assert groups == {g.name: g.id for g in world.agent_groups.values()}
    servers = {row[0]: row[2] for row in _rows("Media servers:")}
    assert servers == {m.name: m.id for m in world.media_servers.values()}
    assert world.site.name in README and world.site.id in README


def test_the_readme_first_item_id_is_what_a_fresh_run_generates(world):
    first = world.post_open_media(OpenMediaRequest(queue="Web Chat")).id
    assert f"`{first}`" in README


def test_the_readme_test_command_is_what_ci_runs():
    command = "sh scripts/test-setup.sh && python3 -m pip install -q -e '.[test]' && python3 -m pytest"
    assert command in README
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", sorted(CONTRACTS_DIR.glob("*.openapi.yaml")), ids=lambda p: p.name)
def test_each_contract_is_a_valid_openapi_document(path):
    validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_every_cloudlink_service_answers_from_its_contract_and_only_its_operations():
    from micc_sim.faces.cloudlink.face import SERVICES

    for service, handlers in SERVICES.items():
        operations = {op.operation_id for op in load_contract(f"cloudlink-{service}").operations}
        assert set(handlers) == operations, service


def test_the_token_endpoint_is_stateful_and_sdk_handlers_belong_to_the_contract():
    assert {op.operation_id for op in load_contract("authorizationserver").operations} == set(AUTH_HANDLERS)
    assert set(MICC_SDK_HANDLERS) <= {op.operation_id for op in load_contract("micc-sdk").operations}


def test_the_coverage_page_is_up_to_date():
    from micc_sim.spec.coverage import coverage, markdown

    page = (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8")
    assert page == markdown(coverage(load_contract("micc-sdk"), MICC_SDK_HANDLERS), "MiCC SDK"), (
        "regenerate it: micc-sim coverage --markdown > docs/coverage.md")


def test_documented_docs_pages_exist():
    for link in re.findall(r"\]\((docs/[^)]+|contracts/[^)]+)\)", README):
        assert (ROOT / link).is_file(), link


def test_what_users_read_names_the_vendor_documents_by_title():
    """Users cannot look up "seed 002": the README, docs, scenarios, contracts, quirks and CLI help say "the MiCC
    SDK reference", "the integrator guide", "Agent Integration", "the CloudLink guides"."""
    import subprocess
    import sys

    internal = re.compile(r"\bseeds? ?0{0,2}[0-3]\b", re.IGNORECASE)
    texts = {str(p.relative_to(ROOT)): p.read_text(encoding="utf-8") for pattern in (
        "README.md", "docs/**/*.md", "scenarios/**/*.yaml", "contracts/*.yaml", "examples/**/*.md")
        for p in ROOT.glob(pattern)}
    commands = [["--help"], ["quirks"], *([c, "--help"] for c in ("serve", "exec", "world", "contract", "scenario",
                                                                     "load", "coverage"))]
    for args in commands:
        texts[f"micc-sim {' '.join(args)}"] = subprocess.run(
            [sys.executable, "-m", "micc_sim", *args], capture_output=True, text=True, timeout=60).stdout
    found = {where: internal.findall(text) for where, text in texts.items() if internal.search(text)}
    assert found == {}


def test_the_shipped_default_world_is_what_the_generator_makes():
    """Users' installations serve micc_sim/world/default_world.json (faker is not a dependency); after a change of
    the generator, ``python -m micc_sim.world.seed`` writes it anew."""
    from micc_sim.world.config import WorldConfig
    from micc_sim.world.seed import SHIPPED, generate_default_world

    shipped = WorldConfig.model_validate_json(SHIPPED.read_text(encoding="utf-8"))
    assert shipped == generate_default_world(), "stale: run python -m micc_sim.world.seed"
