"""The gateway's own HTTP API: auth, users, API keys, the merged OpenAPI document."""

from fastapi.routing import APIRoute


def operation_id(route: APIRoute) -> str:
    """Stable OpenAPI operation ids: the handler's name (`create_user`, `list_api_keys`)."""
    return route.name
