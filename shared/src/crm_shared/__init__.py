"""Service defaults shared by every CRM service: one place for each cross-cutting concern."""
