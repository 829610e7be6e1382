"""Gateway rules with no I/O: passwords, API keys, rate limits, the routing table."""
