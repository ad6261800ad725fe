"""`alliance-hub demo`: a small alliance running on one machine, to watch the hub work."""
