"""Wire conventions of the MiCC SDK: .NET date rendering and the HAL collection envelope."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import quote

if TYPE_CHECKING:
    from micc_sim.spec.router import Call
    from micc_sim.world.core import World

T = TypeVar("T")


@lru_cache(maxsize=8192)
def dotnet_datetime(value: datetime | None) -> str | None:
    """A UTC instant as JSON.NET writes it: ``2026-11-22T20:53:11.1234567Z``, trailing zeros trimmed.
    (Cached: an item's times are written again on every read of it.)"""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    second = (value.year, value.month, value.day, value.hour, value.minute, value.second)
    text = _SECONDS.get(second)  # an item's times mostly fall in one second: isoformat is the dearest part
    if text is None:
        if len(_SECONDS) >= 4096:
            _SECONDS.clear()
        text = _SECONDS[second] = (value.isoformat()[:19] if value.year >= 1000
                                   else value.strftime("%Y-%m-%dT%H:%M:%S"))  # the same text
    fraction = value.microsecond  # ticks of 100 ns: the microseconds and a 0, trailing zeros trimmed
    return f"{text}.{str(fraction + 1_000_000)[1:].rstrip('0')}Z" if fraction else f"{text}Z"


_SECONDS: dict[tuple[int, ...], str] = {}  # a second's text, by its fields


def path_segment(text: str) -> str:
    """``quote(text, safe="")``: an id as one segment of a link. Ids are mostly made of characters quote leaves
    as they are (a GUID), and every answer with a link asks, so those skip it."""
    return text if _UNRESERVED.fullmatch(text) else quote(text, safe="")


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")  # what quote never escapes


def rfc1123(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def hal_collection(items: Iterable[dict[str, Any]], self_href: str) -> dict[str, Any]:
    listed = list(items)
    return {"_links": {"self": {"href": self_href}}, "count": len(listed), "_embedded": {"items": listed}}


def listing(call: Call, path: str, to_wire: Callable[[World, T, Call], dict[str, Any]],
            things: Iterable[T]) -> dict[str, Any]:
    """The answer to a GET of a collection at ``path``: each thing as ``to_wire(world, thing, call)`` shows it."""
    world = call.world
    return hal_collection((to_wire(world, t, call) for t in things), call.url_for(path))


@lru_cache(maxsize=8192)
def dotnet_timespan(seconds: float | None) -> str | None:
    """A duration as .NET writes a TimeSpan: ``[d.]hh:mm:ss[.fffffff]``. (Cached: Queue Now writes a dozen per
    queue, most of them the same few values.)"""
    if seconds is None:
        return None
    ticks = round(seconds * 10_000_000)
    sign = "-" if ticks < 0 else ""
    ticks = abs(ticks)
    whole, fraction = divmod(ticks, 10_000_000)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}{f'{days}.' if days else ''}{hours:02d}:{minutes:02d}:{secs:02d}"
    return f"{text}.{fraction:07d}" if fraction else text


class Links(Protocol):
    """What the wire builders need to make absolute links: a ``Call`` (from its request) or a :class:`BaseUrl`."""

    def url_for(self, relative: str) -> str: ...


@dataclass(frozen=True)
class BaseUrl:
    """Links from a fixed base (``http://host/miccsdk/api/v1``), for objects built with no request at hand
    (the real-time hubs push the same objects the REST surface answers)."""

    base: str

    def url_for(self, relative: str) -> str:
        return self.base + relative
