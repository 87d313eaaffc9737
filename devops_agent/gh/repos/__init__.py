"""Repositories: who has access (the run's own questions too), settings and branch
protection, listing, creating and deleting them, and cloning one — reads, changes and
their declarations.

One module per kind of thing: :mod:`.lifecycle` (listing, creating, deleting),
:mod:`.settings` (settings, topics, branch protection), :mod:`.access` (roles and
collaborators, a PR's head), and the clone in :mod:`devops_agent.gh.clone`. This package
re-exports their public names (``from devops_agent.gh.repos import PullHead`` works) and
joins their operations in the order ``help`` lists them.
"""

from __future__ import annotations

from devops_agent.gh.clone import CLONE
from devops_agent.gh.repos.access import *  # noqa: F403
from devops_agent.gh.repos.access import COLLABORATOR_ADD, COLLABORATOR_REMOVE, COLLABORATORS
from devops_agent.gh.repos.lifecycle import *  # noqa: F403
from devops_agent.gh.repos.lifecycle import LIST, REPO_CREATE, REPO_DELETE
from devops_agent.gh.repos.settings import *  # noqa: F403
from devops_agent.gh.repos.settings import REPO_SETTINGS, SHOW

OPERATIONS = (
    LIST,
    SHOW,
    REPO_SETTINGS,
    REPO_CREATE,
    REPO_DELETE,
    COLLABORATORS,
    COLLABORATOR_ADD,
    COLLABORATOR_REMOVE,
    CLONE,
)
