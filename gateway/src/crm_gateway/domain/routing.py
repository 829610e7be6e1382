"""The routing table: which service owns which `/api/v1/<resource>` prefix."""

from collections.abc import Mapping
from dataclasses import dataclass

API_PREFIX = "/api/v1/"

# Resource prefixes owned by each service; the path is forwarded unchanged.
SERVICE_RESOURCES: Mapping[str, tuple[str, ...]] = {
    "contacts": ("contacts", "companies"),
    "sales": (
        "leads",
        "pipelines",
        "deals",
        "activities",
        "products",
        "quotes",
        "forecast",
        "targets",
        "automation-rules",
    ),
    "marketing": ("segments", "campaigns"),
    "contracts": ("contracts",),
    "analytics": ("analytics",),
}

SERVICE_PORTS: Mapping[str, int] = {
    "contacts": 8101,
    "sales": 8102,
    "marketing": 8103,
    "contracts": 8104,
    "analytics": 8105,
}


@dataclass(frozen=True)
class RoutingTable:
    """Maps the first path segment after `/api/v1/` to a service name."""

    owners: Mapping[str, str]

    @classmethod
    def default(cls) -> "RoutingTable":
        """The table of DESIGN.md section 3."""
        return cls.from_resources(SERVICE_RESOURCES)

    @classmethod
    def from_resources(cls, resources: Mapping[str, tuple[str, ...]]) -> "RoutingTable":
        """Build the table from `{service: (resource, ...)}`."""
        return cls({res: service for service, names in resources.items() for res in names})

    def resolve(self, path: str) -> str | None:
        """Return the service owning `path`, or None if the gateway itself answers it."""
        if not path.startswith(API_PREFIX):
            return None
        segment = path[len(API_PREFIX) :].split("/", 1)[0]
        return self.owners.get(segment)

    def owns(self, service: str, path: str) -> bool:
        """True if `service` owns `path` (used to filter a service's OpenAPI paths)."""
        return self.resolve(path) == service

    @property
    def services(self) -> list[str]:
        """Every service name in the table, in a stable order."""
        return sorted(set(self.owners.values()))
