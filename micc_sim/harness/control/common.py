"""What every control handler shares: our error shape, the simulator of the request, its JSON body."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from micc_sim.limits import InputError, loads_limited


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _sim(request: Request) -> Any:
    return request.app.state.sim


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = loads_limited(raw, _sim(request).settings.max_json_depth)
    except InputError as exc:
        raise ValueError(str(exc)) from None
    except ValueError as exc:
        raise ValueError(f"the body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    return body


def _enum(enum: type, name: Any) -> Any:
    for member in enum:
        if str(name).lower() == member.name.lower():
            return member
    raise ValueError(f"{name!r} is not one of {', '.join(m.name for m in enum)}")
