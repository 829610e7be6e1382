"""The analytics domain as plain classes and rules, no I/O (none yet: skeleton)."""
