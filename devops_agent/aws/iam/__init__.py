"""IAM: users, roles, groups, policies, access keys and permissions — reads, writes and
their declarations.

One module per kind of thing; each holds its models, its API calls and the operations
(:mod:`devops_agent.operation`) declared beside them:

* :mod:`.principals`: users, roles and groups as models, their name rules, lookups;
* :mod:`.users`: ``iam users|groups``, ``iam user create|delete`` and the cleanup steps;
* :mod:`.roles`: ``iam roles``, ``iam role create|delete``;
* :mod:`.policies`: policies as models, ``iam policies``, ``iam policy show``;
* :mod:`.policy_changes`: ``iam policy create|attach|detach|delete`` and their steps;
* :mod:`.inline_policies`: deleting an inline policy (a cleanup step) and putting it back;
* :mod:`.keys`: access keys as models, ``iam keys`` (with ages);
* :mod:`.key_changes`: ``iam keys create|rotate|activate|deactivate|delete``;
* :mod:`.permissions`: ``iam permissions`` and the policy simulator;
* :mod:`.account`: the account password policy, ``iam password-policy [set]``;
* :mod:`.unused_credentials`: ``iam keys deactivate-unused`` and ``iam user disable-console``.

Composites (``iam user|role|policy delete``, ``iam keys rotate``) are named after their
command (``iam.user_delete``); the steps their plans carry keep the name of the API call
(``iam.delete_user``, ``iam.detach_policy``), and so do the steps only rollback plans
carry (``iam.add_user_to_group``, ``iam.add_role_to_instance_profile``,
``iam.put_inline_policy``). Every write with an executor declares its exact requests
(built with :mod:`.calls`), its read-back, and its way back or why there is none. This
package re-exports the public names, so ``from devops_agent.aws import iam`` then
``iam.list_users(...)`` keeps working, and joins the operations in the order ``help``
lists them.
"""

from __future__ import annotations

from devops_agent.aws.iam.account import *  # noqa: F403
from devops_agent.aws.iam.account import GET_PASSWORD_POLICY, SET_PASSWORD_POLICY
from devops_agent.aws.iam.credentials import *  # noqa: F403
from devops_agent.aws.iam.inline_policies import *  # noqa: F403
from devops_agent.aws.iam.inline_policies import DELETE_INLINE_POLICY, PUT_INLINE_POLICY
from devops_agent.aws.iam.key_changes import *  # noqa: F403
from devops_agent.aws.iam.key_changes import (
    CREATE_ACCESS_KEY,
    DELETE_ACCESS_KEY,
    KEYS_ROTATE,
    UPDATE_ACCESS_KEY,
)
from devops_agent.aws.iam.keys import *  # noqa: F403
from devops_agent.aws.iam.keys import LIST_ACCESS_KEYS
from devops_agent.aws.iam.permissions import *  # noqa: F403
from devops_agent.aws.iam.permissions import PERMISSIONS
from devops_agent.aws.iam.policies import *  # noqa: F403
from devops_agent.aws.iam.policies import LIST_POLICIES, SHOW_POLICY
from devops_agent.aws.iam.policy_changes import *  # noqa: F403
from devops_agent.aws.iam.policy_changes import (
    ATTACH_POLICY,
    CREATE_POLICY,
    DELETE_POLICY,
    DELETE_POLICY_VERSION,
    DETACH_POLICY,
    POLICY_DELETE,
)
from devops_agent.aws.iam.principals import *  # noqa: F403
from devops_agent.aws.iam.roles import *  # noqa: F403
from devops_agent.aws.iam.roles import (
    ADD_ROLE_TO_INSTANCE_PROFILE,
    CREATE_ROLE,
    DELETE_ROLE,
    LIST_ROLES,
    REMOVE_ROLE_FROM_INSTANCE_PROFILE,
    ROLE_DELETE,
)
from devops_agent.aws.iam.unused_credentials import *  # noqa: F403
from devops_agent.aws.iam.unused_credentials import DEACTIVATE_UNUSED_KEYS, DISABLE_CONSOLE
from devops_agent.aws.iam.users import *  # noqa: F403
from devops_agent.aws.iam.users import (
    ADD_USER_TO_GROUP,
    CREATE_USER,
    DELETE_LOGIN_PROFILE,
    DELETE_USER,
    LIST_GROUPS,
    LIST_USERS,
    REMOVE_USER_FROM_GROUP,
    USER_DELETE,
)

OPERATIONS = (
    LIST_USERS,
    LIST_ROLES,
    LIST_GROUPS,
    LIST_POLICIES,
    SHOW_POLICY,
    CREATE_POLICY,
    POLICY_DELETE,
    ATTACH_POLICY,
    DETACH_POLICY,
    CREATE_USER,
    USER_DELETE,
    CREATE_ROLE,
    ROLE_DELETE,
    LIST_ACCESS_KEYS,
    CREATE_ACCESS_KEY,
    KEYS_ROTATE,
    UPDATE_ACCESS_KEY,
    DEACTIVATE_UNUSED_KEYS,
    DELETE_ACCESS_KEY,
    DISABLE_CONSOLE,
    PERMISSIONS,
    GET_PASSWORD_POLICY,
    SET_PASSWORD_POLICY,
    # steps that only other plans carry
    DELETE_POLICY_VERSION,
    DELETE_POLICY,
    DELETE_INLINE_POLICY,
    DELETE_LOGIN_PROFILE,
    REMOVE_USER_FROM_GROUP,
    DELETE_USER,
    REMOVE_ROLE_FROM_INSTANCE_PROFILE,
    DELETE_ROLE,
    # steps that only rollback plans carry
    ADD_USER_TO_GROUP,
    ADD_ROLE_TO_INSTANCE_PROFILE,
    PUT_INLINE_POLICY,
)
