"""The service's contracts: what it publishes (topics, payloads) and how it reacts to others."""
