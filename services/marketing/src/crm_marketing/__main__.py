"""`python -m crm_marketing migrate|serve`."""

from __future__ import annotations

from crm_marketing.settings import get_settings
from crm_shared.runner import main

if __name__ == "__main__":
    main(
        settings=get_settings(),
        app_factory="crm_marketing.app:create_app",
        package_file=__file__,
    )
