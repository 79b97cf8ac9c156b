"""CloudLink Media API: endpoints, calls, call records, recordings and conferences (CloudLink guides)."""
