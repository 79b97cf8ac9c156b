"""CloudLink Presence API: presentities, their sources and the aggregate presence (CloudLink guides)."""
