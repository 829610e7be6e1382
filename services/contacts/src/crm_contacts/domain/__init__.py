"""Contacts and companies as plain classes, and the rules they follow (no I/O here)."""
