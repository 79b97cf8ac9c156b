"""Files the control API reads and writes on a client's word (snapshots, restores; the journal's exports and
uploads may use the same functions): only inside the state directory (``state_dir``, default ``.micc-sim``),
only regular files, and no larger than a limit.

A page that could make the simulator write ``{"file": "~/.bashrc"}`` or read ``/dev/zero`` (gigabytes, the
loop frozen) or a FIFO (the loop hung on ``open``) would own the developer's machine; so a name is resolved
(symbolic links followed) and must land in the state directory, a file is opened without blocking and checked
to be a regular file before a byte is read, and writes go to a new file renamed into place.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path


class StateFileError(ValueError):
    """A file the simulator will not touch: ``status`` and ``code`` for the control API's answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


def state_path(state_dir: Path, name: str) -> Path:
    """Where ``name`` (relative to the state directory, or absolute inside it) is; refused outside it."""
    if not isinstance(name, str) or not name.strip() or "\x00" in name:
        raise StateFileError(400, "invalid_body", "file is a file name in the state directory, e.g. \"busy.json\"")
    root = Path(state_dir).expanduser().resolve()
    path = (root / Path(name).expanduser()).resolve()
    if path == root or not path.is_relative_to(root):
        raise StateFileError(403, "outside_state_dir",
                             f"{name!r} is outside the state directory {root}: snapshots are read and written there "
                             "only (start with --state-dir to use another folder)")
    return path


def read_state_file(state_dir: Path, name: str, limit: int) -> bytes:
    """The bytes of a regular file in the state directory, at most ``limit`` of them (0: no limit)."""
    path = state_path(state_dir, name)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise StateFileError(400, "cannot_read", f"cannot read {path}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise StateFileError(400, "not_a_file", f"{path} is not a regular file (a device, FIFO or socket)")
        if limit and info.st_size > limit:
            raise StateFileError(413, "file_too_large", f"{path} has {info.st_size} bytes; at most {limit} are read "
                                                        "(--max-control-body-bytes)")
        data = file.read(limit + 1 if limit else -1)
    if limit and len(data) > limit:
        raise StateFileError(413, "file_too_large", f"{path} grew beyond {limit} bytes while it was read")
    return data


def write_state_file(state_dir: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to a file in the state directory (a new file renamed into place); its path."""
    path = state_path(state_dir, name)
    try:
        if path.exists() and not path.is_file():
            raise StateFileError(400, "not_a_file", f"{path} exists and is not a regular file")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise StateFileError(400, "cannot_write", f"cannot write {path}: {exc.strerror or exc}") from None
    return path
