"""Refusals of the CloudLink services' domain, in CloudLink's error names (rendered ``{"name", "message"}``)."""

from __future__ import annotations

from simulator.cloudlink.admin.models import DirectoryError

NAMES = {400: "BadRequestError", 403: "ForbiddenError", 404: "NotFoundError", 409: "ConflictError"}


def refused(status: int, message: str) -> DirectoryError:
    """A command the service refuses; the face answers ``status`` with ``message``."""
    return DirectoryError(status, NAMES[status], message)
