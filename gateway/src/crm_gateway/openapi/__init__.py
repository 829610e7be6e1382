"""One OpenAPI document for the whole platform, merged from the gateway and each service."""
