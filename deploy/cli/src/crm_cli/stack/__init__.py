"""Running the platform locally: infrastructure backends, a process supervisor, the stack.

Used by `crm up` and by the test suite's session fixtures alike.
"""

from crm_cli.stack.config import DEFAULT_PORTS, SERVICES, Ports, StackConfig, service_env
from crm_cli.stack.containers import DockerInfra
from crm_cli.stack.embedded import EmbeddedInfra
from crm_cli.stack.infra import Infra
from crm_cli.stack.ports import PortInUseError
from crm_cli.stack.service import ServiceProcess, StackError
from crm_cli.stack.stack import Stack
from crm_cli.stack.supervisor import Supervisor

__all__ = [
    "DEFAULT_PORTS",
    "SERVICES",
    "DockerInfra",
    "EmbeddedInfra",
    "Infra",
    "PortInUseError",
    "Ports",
    "ServiceProcess",
    "Stack",
    "StackConfig",
    "StackError",
    "Supervisor",
    "service_env",
]
