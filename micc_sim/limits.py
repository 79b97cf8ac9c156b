"""Limits on what input may make the simulator hold: JSON nesting, lone surrogates, YAML alias bombs, file sizes.

Whatever a client or a file sends is checked before it is stored, so no answer that serializes it later can
fail (a lone surrogate ``"\\ud800"`` stored once made every answer that wrote it a 500 until a reset), and no
input costs more than its size (a YAML file of a few kilobytes whose aliases expand to billions of nodes).
The faces turn :class:`InputError` into a 400 in their own error shape.
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import orjson
import yaml

MAX_JSON_DEPTH = 64  # arrays and objects inside each other (settings: max_json_depth)
MAX_YAML_BYTES = 16 << 20  # a world or scenario file
MAX_YAML_NODES = 1_000_000  # nodes of a YAML document once its aliases are expanded

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]|\xed[\xa0-\xbf]")  # where a lone surrogate could come from
_YAML_LOADER = yaml.SafeLoader  # not libyaml's CSafeLoader: its composer recurses in C, and [[[[... crashes it


class InputError(ValueError):
    """Input the simulator does not keep: too deep, too large, or not valid Unicode; the message says which."""


def loads_limited(raw: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """JSON as ``json.loads`` reads it, refused (:class:`InputError`) when nested beyond ``max_depth``."""
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        try:
            value = json.loads(raw)  # NaN, a byte order mark, UTF-16, lone surrogates: json reads them
        except RecursionError:
            raise InputError(f"the JSON is nested more than {max_depth} deep") from None
    return checked_json(value, max_depth=max_depth, raw=raw)


def checked_json(value: Any, what: str = "the body", *, max_depth: int = MAX_JSON_DEPTH,
                 raw: bytes | str | None = None) -> Any:
    """``value`` (parsed JSON or YAML), refused when nested beyond ``max_depth`` or holding a string that is
    not valid Unicode (a lone surrogate). With ``raw``, strings are only looked at when the text could hold one."""
    strings = raw is None or _SURROGATE_ESCAPE.search(raw.encode("utf-8", "surrogatepass")
                                                       if isinstance(raw, str) else raw) is not None
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = (*node.keys(), *node.values()) if strings else node.values()
        elif isinstance(node, list):
            children = node
        else:
            if strings and isinstance(node, str) and not _valid_unicode(node):
                raise InputError(f"{what} holds a string that is not valid Unicode (a lone surrogate such as "
                                 "\\ud800): strings must be UTF-16 pairs")
            continue
        if depth > max_depth:
            raise InputError(f"{what} is nested more than {max_depth} deep")
        for child in children:
            if isinstance(child, dict | list) or (strings and isinstance(child, str)):
                stack.append((child, depth + 1))
    return value


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def load_yaml(text: bytes | str, source: str = "the YAML", max_bytes: int = MAX_YAML_BYTES,
              max_nodes: int = MAX_YAML_NODES) -> Any:
    """``yaml.safe_load`` with limits: at most ``max_bytes`` of text and ``max_nodes`` nodes once aliases are
    expanded (a "billion laughs" is refused before it is built); :class:`InputError` says which."""
    if len(text) > max_bytes:
        raise InputError(f"{source} has {len(text)} bytes; at most {max_bytes} are read")
    loader = _YAML_LOADER(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        expanded = _expanded_size(root, max_nodes)
        if expanded > max_nodes:
            raise InputError(f"{source} expands to more than {max_nodes} nodes through its aliases (&anchor, *alias)")
        return loader.construct_document(root)
    except RecursionError:
        raise InputError(f"{source} is nested too deeply") from None
    finally:
        loader.dispose()


def _expanded_size(root: yaml.Node, cap: int) -> int:
    """Nodes of the document as if every alias were a copy of its anchor (each node's size worked out once);
    an alias inside its own anchor (a document that never ends) is refused."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()  # nodes whose children are being sized: meeting one again is a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            open_.discard(key)
            sizes[key] = min(cap + 1, 1 + sum(sizes[id(c)] for c in _children(node)))
            continue
        if key in sizes:
            continue
        if key in open_:
            raise InputError("the YAML holds an alias inside its own anchor (a recursive document)")
        children = _children(node)
        if not children:
            sizes[key] = 1
            continue
        open_.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in children)
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def read_limited(path: Path, limit: int = MAX_YAML_BYTES) -> str:
    """A regular file's text (UTF-8), at most ``limit`` bytes: a device or FIFO named as a world file is refused
    rather than read forever. ``OSError`` as ``Path.read_text`` raises it."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as file:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(f"{path} is not a regular file")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"{path} is larger than {limit} bytes")
    return data.decode("utf-8")
