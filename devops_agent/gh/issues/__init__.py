"""Issues and pull requests as threads: the action's own voice on them (:mod:`.thread`),
issues as records people list and read (:mod:`.records`), and the changes the command
language and the agent plan on them (:mod:`.changes`: ``issue create|close|reopen|comment``
and ``pr close|reopen|comment``, which work the same on a pull request).

This package re-exports their public names (``from devops_agent.gh.issues import
edit_comment`` works) and joins their operations in the order ``help`` lists them.
"""

from __future__ import annotations

from devops_agent.gh.issues.changes import *  # noqa: F403
from devops_agent.gh.issues.changes import (
    COMMENT_DELETE,
    ISSUE_CLOSE,
    ISSUE_COMMENT,
    ISSUE_CREATE,
    ISSUE_REOPEN,
)
from devops_agent.gh.issues.records import *  # noqa: F403
from devops_agent.gh.issues.records import LIST
from devops_agent.gh.issues.thread import *  # noqa: F403

OPERATIONS = (LIST, ISSUE_CREATE, ISSUE_CLOSE, ISSUE_REOPEN, ISSUE_COMMENT, COMMENT_DELETE)
