"""What the world refuses, as exceptions every part of it can raise without importing the world itself."""

from __future__ import annotations


class WorldError(Exception):
    """A command the world refuses; faces render it in their own error shape."""


class NotFound(WorldError):
    pass


class Conflict(WorldError):
    pass


class InteractionError(Exception):
    """A command the world refuses about a call, chat, e-mail or SMS (wrong state, unknown agent, ...); faces
    answer it their way."""
