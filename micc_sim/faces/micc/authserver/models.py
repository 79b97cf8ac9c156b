"""AuthorizationServer state: the Clients.config clients and the bearer tokens issued so far.

Clients.config is read when the server starts and again only when IIS restarts (integrator guide): a
secret changed in the file is ignored until then. Each entry needs an ``Id`` and a ``Secret`` that
is a UUID v4; any other entry is rejected with a message saying why, and the rest still load.
Tokens are opaque random strings that expire on the simulated clock.
"""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from micc_sim.world.clock import Clock

log = logging.getLogger("micc_sim.authserver")


@dataclass(frozen=True)
class Client:
    id: str
    secret: str


@dataclass
class ClientsConfig:
    clients: dict[str, Client]
    rejected: list[str]  # one message per entry that was not loaded
    source: str  # the file path, or "world" for the world's embedded entries

    def check(self, client_id: str, secret: str) -> Client | None:
        client = self.clients.get(client_id)
        if client is None or not secrets.compare_digest(client.secret.lower(), secret.strip().lower()):
            return None
        return client


def is_uuid4(text: str) -> bool:
    try:
        parsed = uuid.UUID(text)
    except (ValueError, AttributeError, TypeError):
        return False
    return parsed.version == 4 and str(parsed) == text.strip().lower()


def parse_clients(entries: Any, source: str) -> ClientsConfig:
    """Check Clients.config entries: a list of ``{"Id": ..., "Secret": ...}`` objects."""
    if isinstance(entries, dict):
        entries = entries.get("Clients", entries.get("clients", [entries]))
    if not isinstance(entries, list):
        return ClientsConfig({}, [f"{source}: expected a JSON array of {{\"Id\", \"Secret\"}} objects"], source)
    clients: dict[str, Client] = {}
    rejected: list[str] = []
    for index, entry in enumerate(entries, start=1):
        where = f"{source} entry {index}"
        if not isinstance(entry, dict):
            rejected.append(f"{where}: not an object")
            continue
        fields = {str(k).lower(): v for k, v in entry.items()}
        client_id, secret = fields.get("id"), fields.get("secret")
        if not isinstance(client_id, str) or not client_id.strip():
            rejected.append(f"{where}: missing \"Id\"")
            continue
        if not isinstance(secret, str) or not is_uuid4(secret):
            rejected.append(f"{where} (Id {client_id!r}): \"Secret\" {secret!r} is not a UUID v4 "
                            "(for example 7d9f1b26-2a7b-46e9-a2e7-1acb3ea5b26d); entry ignored")
            continue
        if client_id in clients:
            rejected.append(f"{where}: duplicate Id {client_id!r}; the first entry is kept")
            continue
        clients[client_id] = Client(client_id, secret.strip())
    for message in rejected:
        log.warning("Clients.config: %s", message)
    return ClientsConfig(clients, rejected, source)


def read_clients_file(path: Path) -> ClientsConfig:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        config = ClientsConfig({}, [f"cannot read {path}: {exc.strerror or exc}"], str(path))
    except ValueError as exc:
        config = ClientsConfig({}, [f"{path} is not valid JSON: {exc}"], str(path))
    else:
        return parse_clients(data, str(path))
    log.warning("Clients.config: %s", config.rejected[0])
    return config


@dataclass
class Session:
    token: str
    kind: str  # "employee" | "client"
    principal_id: str
    issued: datetime
    expires: datetime


class TokenStore:
    def __init__(self, clock: Clock, lifetime_seconds: int) -> None:
        self.clock = clock
        self.lifetime = lifetime_seconds
        self._sessions: dict[str, Session] = {}
        self._issued_since_sweep = 0

    def issue(self, kind: str, principal_id: str) -> Session:
        now = self.clock.now()
        session = Session(secrets.token_urlsafe(96), kind, principal_id, now,
                          now + timedelta(seconds=self.lifetime))
        self._sessions[session.token] = session
        self._issued_since_sweep += 1
        if self._issued_since_sweep >= 1000:
            self.sweep()
        return session

    def lookup(self, token: str) -> Session | None:
        session = self._sessions.get(token)
        if session is None:
            return None
        if self.clock.now() >= session.expires:
            del self._sessions[token]
            return None
        return session

    def sweep(self) -> None:
        now = self.clock.now()
        self._sessions = {t: s for t, s in self._sessions.items() if s.expires > now}
        self._issued_since_sweep = 0

    def sessions(self) -> list[Session]:
        return sorted(self._sessions.values(), key=lambda s: (s.issued, s.token))

    def replace(self, sessions: list[Session]) -> None:
        self._sessions = {s.token: s for s in sessions}

    def revoke_all(self) -> int:
        """End every session; returns how many were still valid."""
        self.sweep()
        count = len(self._sessions)
        self._sessions.clear()
        return count

    def __len__(self) -> int:
        return len(self._sessions)
