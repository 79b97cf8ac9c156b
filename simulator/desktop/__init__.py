"""The agent-desktop integration interface (seed 001: IAgentClient requests and events) over socket.io."""

from simulator.desktop.urls import face

__all__ = ["face"]
