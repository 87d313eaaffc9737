"""EC2: instances and AMIs, security groups and their rules, key pairs, EBS volumes and
snapshots, Elastic IPs and network interfaces — reads, writes and their declarations.

One module per kind of resource; each holds its models, its API calls and the
operations (:mod:`devops_agent.operation`) declared beside them. This package
re-exports the public names, so ``from devops_agent.aws import ec2`` then
``ec2.list_instances(...)`` keeps working, and joins their ``OPERATIONS`` in the
order ``help`` lists them.
"""

from __future__ import annotations

from devops_agent.aws.ec2.addresses import *  # noqa: F403
from devops_agent.aws.ec2.addresses import OPERATIONS as _ADDRESSES
from devops_agent.aws.ec2.images import *  # noqa: F403
from devops_agent.aws.ec2.instance_metadata import *  # noqa: F403
from devops_agent.aws.ec2.instance_metadata import OPERATIONS as _METADATA
from devops_agent.aws.ec2.instance_state import *  # noqa: F403
from devops_agent.aws.ec2.instance_state import OPERATIONS as _INSTANCE_STATE
from devops_agent.aws.ec2.instances import *  # noqa: F403
from devops_agent.aws.ec2.instances import OPERATIONS as _INSTANCES
from devops_agent.aws.ec2.key_pairs import *  # noqa: F403
from devops_agent.aws.ec2.key_pairs import OPERATIONS as _KEY_PAIRS
from devops_agent.aws.ec2.launch import *  # noqa: F403
from devops_agent.aws.ec2.launch import OPERATIONS as _LAUNCH
from devops_agent.aws.ec2.launch_templates import *  # noqa: F403
from devops_agent.aws.ec2.network import *  # noqa: F403
from devops_agent.aws.ec2.public_sharing import *  # noqa: F403
from devops_agent.aws.ec2.public_sharing import OPERATIONS as _SHARING
from devops_agent.aws.ec2.security_group_cleanup import *  # noqa: F403
from devops_agent.aws.ec2.security_group_cleanup import OPERATIONS as _CLEANUP
from devops_agent.aws.ec2.security_group_rules import *  # noqa: F403
from devops_agent.aws.ec2.security_group_rules import OPERATIONS as _RULES
from devops_agent.aws.ec2.security_groups import *  # noqa: F403
from devops_agent.aws.ec2.security_groups import OPERATIONS as _SECURITY_GROUPS
from devops_agent.aws.ec2.volumes import *  # noqa: F403
from devops_agent.aws.ec2.volumes import OPERATIONS as _VOLUMES
from devops_agent.aws.ec2.watch import *  # noqa: F403
from devops_agent.aws.ec2.watch import OPERATIONS as _WATCH

OPERATIONS = (
    *_INSTANCES,
    *_LAUNCH,
    *_INSTANCE_STATE,
    *_WATCH,
    *_METADATA,
    *_SECURITY_GROUPS,
    *_RULES,
    *_CLEANUP,
    *_KEY_PAIRS,
    *_VOLUMES,
    *_SHARING,
    *_ADDRESSES,
)
