"""`python -m crm_cli` is the same as `crm`."""

from crm_cli.main import app

app()
