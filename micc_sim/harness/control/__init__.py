"""The /_sim control API: inspect and steer the simulated world (no auth; loopback by default)."""
