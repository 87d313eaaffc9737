"""EC2: instances and AMIs, security groups, key pairs — reads, writes and their declarations.

One module per kind of resource; each holds its models, its API calls and the
operations (:mod:`devops_agent.operation`) declared beside them. This package
re-exports the public names, so ``from devops_agent.aws import ec2`` then
``ec2.list_instances(...)`` keeps working.
"""

from __future__ import annotations

from devops_agent.aws.ec2.instances import *  # noqa: F403
from devops_agent.aws.ec2.instances import OPERATIONS as _INSTANCES
from devops_agent.aws.ec2.key_pairs import *  # noqa: F403
from devops_agent.aws.ec2.key_pairs import OPERATIONS as _KEY_PAIRS
from devops_agent.aws.ec2.security_groups import *  # noqa: F403
from devops_agent.aws.ec2.security_groups import OPERATIONS as _SECURITY_GROUPS

OPERATIONS = (*_INSTANCES, *_SECURITY_GROUPS, *_KEY_PAIRS)
