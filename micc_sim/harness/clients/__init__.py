"""Clients of the simulator's real-time faces, for the scenario runner and the pytest plugin.

They are consumer tools: they talk the wire protocols (classic SignalR 2, socket.io, signed CloudLink webhooks)
to any simulator, in-process or at a ``--base-url``, exactly as an integration would.
"""
