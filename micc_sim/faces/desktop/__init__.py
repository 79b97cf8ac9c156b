"""The agent-desktop integration interface (Agent Integration: IAgentClient requests and events) over socket.io."""

from micc_sim.faces.desktop.urls import face

__all__ = ["face"]
