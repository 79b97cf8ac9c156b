"""Connection and groups tokens: signed, so that a client can hold them but not forge or alter them.

SignalR protects both with the machine key: the connection token binds the connection id to the user who
negotiated it, and the groups token lets a reconnecting client get its groups back even when the server
had already forgotten the connection.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets


class Signer:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def sign(self, text: str) -> str:
        payload = base64.urlsafe_b64encode(text.encode("utf-8")).decode("ascii").rstrip("=")
        return f"{payload}.{self._mac(payload)}"

    def unsign(self, token: str) -> str | None:
        payload, _, mac = token.partition(".")
        if not payload or not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None

    def _mac(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode("ascii")

    # -- the two tokens ----------------------------------------------------------------------
    def connection_token(self, connection_id: str, principal_id: str) -> str:
        return self.sign(f"{connection_id}:{principal_id}")

    def read_connection_token(self, token: str) -> tuple[str, str] | None:
        """``(connection id, principal id)``, or None when the token is not one of ours."""
        text = self.unsign(token)
        if text is None or ":" not in text:
            return None
        connection_id, _, principal_id = text.partition(":")
        return connection_id, principal_id

    def groups_token(self, connection_id: str, groups: list[str]) -> str:
        return self.sign(json.dumps({"c": connection_id, "g": sorted(groups)}, separators=(",", ":")))

    def read_groups_token(self, token: str, connection_id: str) -> list[str]:
        """The groups of a token issued to this connection; none for anything else."""
        text = self.unsign(token)
        try:
            data = json.loads(text) if text else None
        except ValueError:
            return []
        if not isinstance(data, dict) or data.get("c") != connection_id or not isinstance(data.get("g"), list):
            return []
        return [g for g in data["g"] if isinstance(g, str)]
