"""Pull requests: what people read about them (:mod:`.reads`: listings, one with its
checks and reviews, whether it may be merged) and the changes planned on them
(:mod:`.changes`: merges and reviews, never an approval).

This package re-exports their public names (``from devops_agent.gh.pulls import merge``
works) and joins their operations in the order ``help`` lists them.
"""

from __future__ import annotations

from devops_agent.gh.pulls.changes import *  # noqa: F403
from devops_agent.gh.pulls.changes import PR_MERGE, PR_REVIEW
from devops_agent.gh.pulls.reads import *  # noqa: F403
from devops_agent.gh.pulls.reads import LIST, SHOW

OPERATIONS = (LIST, SHOW, PR_MERGE, PR_REVIEW)
