"""How a socket.io request names its arguments, and how they are bound to a request's parameters.

A request is an event named after the IAgentClient method (PascalCase; camelCase too for the methods Agent Integration
marks JS = Yes). Its arguments come positional (``emit("MakeCall", ["5551234", "Ada", false])``, or as several
socket.io arguments) or named (``emit("MakeCall", {"number": "5551234"})``). Names match without case, spaces,
dashes or underscores, so ``"Call ID"``, ``"callId"`` and ``"call_id"`` are one name. Values bind the way
JSON.NET binds them: ``"true"``/``"false"`` and 0/1 for booleans, digit strings for integers, numbers for
strings. A value that cannot be bound is an error acknowledgement, never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


class ArgumentError(ValueError):
    pass


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # bool | int | str | datetime | codes
    required: bool = True
    default: Any = None
    doc: str = ""


@dataclass(frozen=True)
class Request:
    name: str  # PascalCase, as the .NET interface names it
    params: tuple[Param, ...]
    returns: str  # the documented type: bool, void, IUserInformation, ICall[], ...
    js: bool  # the JS column of Agent Integration
    needs: str  # none | app (running and registered) | agent (and the agent logged on)
    group: str
    handler: Callable[..., Any]
    js_only: bool = False  # GetTab: only in the JavaScript interface

    @property
    def camel(self) -> str:
        return self.name[0].lower() + self.name[1:]

    @property
    def failure(self) -> Any:
        """What the request answers when it cannot do what it is asked."""
        if self.returns == "bool":
            return False
        if self.returns.endswith("[]"):
            return []
        return None


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def bind(request: Request, args: tuple[Any, ...]) -> dict[str, Any]:
    params = request.params
    if len(args) == 1 and isinstance(args[0], dict):
        given = {_key(k): v for k, v in args[0].items() if isinstance(k, str)}
        known = {_key(p.name): p for p in params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            names = ", ".join(p.name for p in params) or "none"
            raise ArgumentError(f"{request.name} has no argument {unknown[0]!r} (arguments: {names})")
        values = {p.name: given.get(_key(p.name)) for p in params}
    else:
        if len(args) == 1 and isinstance(args[0], list):
            args = tuple(args[0])
        if len(args) > len(params):
            raise ArgumentError(f"{request.name} takes {len(params)} argument(s), not {len(args)}")
        values = {p.name: (args[n] if n < len(args) else None) for n, p in enumerate(params)}
    bound: dict[str, Any] = {}
    for p in params:
        value = values[p.name]
        if value is None:
            if p.required:
                raise ArgumentError(f"{request.name} needs its {p.name} argument")
            bound[p.name] = p.default
        else:
            bound[p.name] = _convert(request, p, value)
    return bound


def _convert(request: Request, p: Param, value: Any) -> Any:
    problem = f"{request.name}: {p.name} must be {_A[p.type]}, not {value!r}"
    if p.type == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
    elif p.type == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,10}\s*", value):
            return int(value)
    elif p.type == "str":
        if isinstance(value, str):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    elif p.type == "datetime":
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise ArgumentError(problem) from None
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    elif p.type == "codes" and isinstance(value, list):
        return [_code(problem, c) for c in value]
    raise ArgumentError(problem)


def _code(problem: str, value: Any) -> tuple[int | None, str | None]:
    """An ICQCode by its ID (an object's ``ID``, or a bare number) or by its ``Code``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value, None
    if isinstance(value, dict):
        fields = {_key(k): v for k, v in value.items() if isinstance(k, str)}
        ident, code = fields.get("id"), fields.get("code")
        if isinstance(ident, int) and not isinstance(ident, bool):
            return ident, None
        if isinstance(code, str | int) and not isinstance(code, bool):
            return None, str(code)
    raise ArgumentError(problem)


_A = {"bool": "true or false", "int": "an integer", "str": "a string", "datetime": "an ISO 8601 date and time",
      "codes": "an array of ICQCode objects ({ID, Code, Name}) or code IDs"}
