"""The vendor quirks the simulator reproduces, each a named switch (on by default: faithful is the point).

``docs/quirks.md`` documents every switch with the vendor document it comes from (a test keeps the
two in step). Switches are set at start (``micc-sim serve --quirk NAME=off``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields


def _quirk(source: str, doc: str) -> bool:
    return field(default=True, metadata={"source": source, "doc": doc})


@dataclass
class Quirks:
    unvalidated_workflow_swallows_items: bool = _quirk(
        "integrator guide, troubleshooting",
        "An open-media queue whose workflow was not validated accepts items (201) but never "
        "publishes them: they never reach the queue or an agent.")
    queue_offline_without_available_agents: bool = _quirk(
        "integrator guide, troubleshooting",
        "A queue whose agent groups have no members, or no logged-in Available agent, is offline; "
        "items routed to it go to the routing-failure destination (else fail).")
    routing_failure_destination: bool = _quirk(
        "integrator guide, step 5.6 and 6A",
        "Items that cannot be routed go to the media server's routing-failure destination queue when "
        "one is set; off, they fail.")
    double_slash_paths: bool = _quirk(
        "integrator guide, step 3",
        "https://host//authorizationserver/token (double slash) works like a single slash.")
    case_insensitive_paths: bool = _quirk(
        "wire-notes, URLs and paths",
        "IIS matches paths in any case: /MiccSdk/, /MiCCSdk/, /AuthorizationServer/Token.")
    clients_config_read_on_restart_only: bool = _quirk(
        "integrator guide, step 6B",
        "Clients.config is read only when IIS restarts: a new secret is refused until then.")
    iis_restart_drops_interactions: bool = _quirk(
        "integrator guide, step 6B",
        "An IIS restart disrupts active interactions: live open-media items fail.")

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def describe(cls) -> list[tuple[str, str, str]]:
        """(name, vendor source, what it does) for every quirk."""
        return [(f.name, f.metadata["source"], f.metadata["doc"]) for f in fields(cls)]

    def set(self, name: str, on: bool) -> None:
        if name not in self.names():
            raise KeyError(f"unknown quirk {name!r}; known: {', '.join(self.names())}")
        setattr(self, name, on)

    def as_dict(self) -> dict[str, bool]:
        return {name: getattr(self, name) for name in self.names()}
