"""Request-path handling of IIS that clients rely on, as a step of the request chain (``micc_sim.chain``).

* Double slashes (``https://host//authorizationserver/token``) collapse to one (integrator guide, step 3).
* The fixed prefixes match in any case (``/MiccSdk/``, ``/AuthorizationServer/Token``): the path is
  rewritten to the canonical spelling before routing, so every face sees one spelling.

Each behaviour is a quirk switch; with it off, such a request finds no route (404).
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from micc_sim.chain import Exchange
from micc_sim.world.quirks import Quirks

CLIENT_PATH = "micc_sim.client_path"  # scope key: the path as the client sent it, when it was rewritten
CANONICAL_PREFIXES = ("/miccsdk/api/v1", "/miccsdk/signalr", "/miccsdk", "/authorizationserver")
_SLASHES = re.compile(r"/{2,}")
_SDK = CANONICAL_PREFIXES[0] + "/"  # the first prefix, spelled as it is: the path is canonical already


class IisPaths:
    def __init__(self, quirks: Quirks) -> None:
        self.quirks = quirks

    def before(self, exchange: Exchange) -> None:
        scope = exchange.scope
        if scope["type"] in ("http", "websocket"):
            raw = (scope.get("raw_path") or scope["path"].encode("utf-8")).decode("latin-1")
            fixed = normalize(raw, self.quirks)
            if fixed != raw:  # work on the still-encoded path, so an escaped %2F stays inside its segment
                exchange.scope = {**scope, "path": unquote(fixed), "raw_path": fixed.encode("latin-1"),
                                  CLIENT_PATH: raw}


def normalize(path: str, quirks: Quirks) -> str:
    if path.startswith(_SDK) and "//" not in path:  # what nearly every request is: nothing to do
        return path
    if quirks.double_slash_paths and "//" in path:
        path = _SLASHES.sub("/", path)
    if quirks.case_insensitive_paths:
        folded = path.lower()
        for prefix in CANONICAL_PREFIXES:
            if folded.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                return prefix + path[len(prefix):]
    return path
