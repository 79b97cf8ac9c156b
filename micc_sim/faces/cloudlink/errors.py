"""Refusals of the CloudLink services' domain, in CloudLink's error names (rendered ``{"name", "message"}``)."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")
NAMES = {400: "BadRequestError", 403: "ForbiddenError", 404: "NotFoundError", 409: "ConflictError"}


class DirectoryError(Exception):
    """A command a CloudLink service refuses; the faces render it in CloudLink's error shape."""

    def __init__(self, status: int, name: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.name = name
        self.message = message


def refused(status: int, message: str) -> DirectoryError:
    """A command the service refuses; the face answers ``status`` with ``message``."""
    return DirectoryError(status, NAMES[status], message)


def not_found(what: str) -> DirectoryError:
    return refused(404, f"{what} not found")


def known(value: T | None, what: str) -> T:
    """``value`` of a lookup; none is the 404 saying ``what`` was not found."""
    if value is None:
        raise not_found(what)
    return value
