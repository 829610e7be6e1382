"""The `crm` command: run the CRM platform locally and load demo data."""
