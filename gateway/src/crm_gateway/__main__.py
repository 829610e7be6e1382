"""`python -m crm_gateway migrate|serve`."""

from crm_gateway.settings import get_settings
from crm_shared.runner import main

if __name__ == "__main__":
    main(
        settings=get_settings(),
        app_factory="crm_gateway.app:create_app",
        package_file=__file__,
    )
