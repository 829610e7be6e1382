"""`python -m crm_analytics migrate|serve`."""

from __future__ import annotations

from crm_analytics.settings import get_settings
from crm_shared.runner import main

if __name__ == "__main__":
    main(
        settings=get_settings(),
        app_factory="crm_analytics.app:create_app",
        package_file=__file__,
    )
