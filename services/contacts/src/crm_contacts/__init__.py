"""The contacts service: contacts, companies, tags, notes, timeline and lifecycle stage."""
