"""Helpers shared by the test suite: infrastructure choice, the session stack, Kafka reader."""
