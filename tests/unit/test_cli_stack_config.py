"""Pure parts of the stack runner: ports and each process's environment."""

from __future__ import annotations

from pathlib import Path

from crm_cli.stack import DEFAULT_PORTS, SERVICES, Ports, StackConfig, service_env


def _config(tmp_path: Path) -> StackConfig:
    return StackConfig(
        data_dir=tmp_path,
        ports=Ports(),
        jwt_secret="k" * 48,
        admin_email="admin@crm.local",
        admin_password="pw",
    )


def test_default_ports_follow_the_design() -> None:
    ports = Ports.from_env({})
    assert ports.services == {
        "gateway": 8000,
        "contacts": 8101,
        "sales": 8102,
        "marketing": 8103,
        "contracts": 8104,
        "analytics": 8105,
    }
    assert ports.kafka == 9092


def test_ports_are_overridable_from_the_environment() -> None:
    ports = Ports.from_env({"CONTACTS_PORT": "9101", "CRM_KAFKA_PORT": "19092"})
    assert ports.services["contacts"] == 9101
    assert ports.services["gateway"] == DEFAULT_PORTS["gateway"]
    assert ports.kafka == 19092


def test_free_ports_are_distinct() -> None:
    ports = Ports.free()
    chosen = [*ports.services.values(), ports.kafka]
    assert len(set(chosen)) == len(SERVICES) + 1
    assert set(ports.services) == set(SERVICES)


def test_service_env_follows_the_conventions(tmp_path: Path) -> None:
    env = service_env(
        _config(tmp_path),
        "contacts",
        kafka_bootstrap="127.0.0.1:1234",
        database_url="postgresql+asyncpg://postgres@/contacts?host=/x",
        base={"PATH": "/bin", "SALES_DATABASE_URL": "inherited"},
    )
    assert env["PATH"] == "/bin"
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "127.0.0.1:1234"
    assert env["CONTACTS_DATABASE_URL"] == "postgresql+asyncpg://postgres@/contacts?host=/x"
    assert env["CRM_JWT_SECRET"] == "k" * 48
    assert env["CRM_ADMIN_EMAIL"] == "admin@crm.local"
    assert env["CRM_ADMIN_PASSWORD"] == "pw"
    assert env["KAFKA_REBALANCE_TIMEOUT_MS"] == "1000"
    assert env["CRM_LOG_LEVEL"] == "INFO"
    for name, port in DEFAULT_PORTS.items():
        assert env[f"{name.upper()}_PORT"] == str(port)
        assert env[f"{name.upper()}_URL"] == f"http://127.0.0.1:{port}"
    # Loopback traffic never goes through a developer's proxy.
    assert "127.0.0.1" in env["NO_PROXY"].split(",")


def test_a_service_gets_only_its_own_database_url(tmp_path: Path) -> None:
    env = service_env(_config(tmp_path), "sales", kafka_bootstrap="k:1", database_url="db", base={})
    assert [k for k in env if k.endswith("_DATABASE_URL")] == ["SALES_DATABASE_URL"]


def test_log_files_live_under_the_data_dir(tmp_path: Path) -> None:
    config = _config(tmp_path)
    assert config.log_dir == tmp_path / "logs"
    assert config.module("contacts") == "crm_contacts"
