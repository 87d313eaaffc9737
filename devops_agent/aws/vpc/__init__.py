"""VPC: networks, subnets, routing, gateways, flow logs, network ACLs and peering connections —
reads, writes and their declarations.

One module per kind of resource; each holds its models, its API calls and the
operations (:mod:`devops_agent.operation`) declared beside them. This package
re-exports the public names, so ``from devops_agent.aws import vpc`` then
``vpc.list_vpcs(...)`` keeps working. Security groups belong to EC2
(:mod:`devops_agent.aws.ec2.security_groups`).
"""

from __future__ import annotations

from devops_agent.aws.vpc.associations import *  # noqa: F403
from devops_agent.aws.vpc.associations import OPERATIONS as _ASSOCIATIONS
from devops_agent.aws.vpc.endpoints import *  # noqa: F403
from devops_agent.aws.vpc.flow_logs import *  # noqa: F403
from devops_agent.aws.vpc.flow_logs import OPERATIONS as _FLOW_LOGS
from devops_agent.aws.vpc.gateways import *  # noqa: F403
from devops_agent.aws.vpc.gateways import OPERATIONS as _GATEWAYS
from devops_agent.aws.vpc.nacl_cleanup import *  # noqa: F403
from devops_agent.aws.vpc.nacl_cleanup import OPERATIONS as _NACL_CLEANUP
from devops_agent.aws.vpc.nat_gateways import *  # noqa: F403
from devops_agent.aws.vpc.nat_gateways import OPERATIONS as _NAT_GATEWAYS
from devops_agent.aws.vpc.network_acls import *  # noqa: F403
from devops_agent.aws.vpc.peering import *  # noqa: F403
from devops_agent.aws.vpc.route_tables import *  # noqa: F403
from devops_agent.aws.vpc.route_tables import OPERATIONS as _ROUTE_TABLES
from devops_agent.aws.vpc.routes import *  # noqa: F403
from devops_agent.aws.vpc.routes import OPERATIONS as _ROUTES
from devops_agent.aws.vpc.subnet_settings import *  # noqa: F403
from devops_agent.aws.vpc.subnet_settings import OPERATIONS as _SUBNET_SETTINGS
from devops_agent.aws.vpc.subnets import *  # noqa: F403
from devops_agent.aws.vpc.subnets import OPERATIONS as _SUBNETS
from devops_agent.aws.vpc.vpcs import *  # noqa: F403
from devops_agent.aws.vpc.vpcs import OPERATIONS as _VPCS

OPERATIONS = (
    *_VPCS,
    *_SUBNETS,
    *_SUBNET_SETTINGS,
    *_ROUTE_TABLES,
    *_ROUTES,
    *_ASSOCIATIONS,
    *_GATEWAYS,
    *_NAT_GATEWAYS,
    *_FLOW_LOGS,
    *_NACL_CLEANUP,
)
