"""GitHub Actions: workflows and their dispatch inputs, runs and jobs, watching a run,
and finding out why a run failed — reads, changes and their declarations.

One module per kind of thing: :mod:`.files` (workflow files, inputs, enabling),
:mod:`.runs` (runs and jobs, dispatching and watching one), :mod:`.logs` (failure
analysis). This package re-exports their public names, so
``from devops_agent.gh import workflows`` then ``workflows.list_workflows(...)`` works,
and joins their operations in the order ``help`` lists them.
"""

from __future__ import annotations

from devops_agent.gh.workflows.files import *  # noqa: F403
from devops_agent.gh.workflows.files import SHOW, WORKFLOW_STATE
from devops_agent.gh.workflows.logs import *  # noqa: F403
from devops_agent.gh.workflows.logs import STATUS, WATCH, WHY
from devops_agent.gh.workflows.runs import *  # noqa: F403
from devops_agent.gh.workflows.runs import DISPATCH, GET_RUN, LIST, LIST_RUNS

OPERATIONS = (LIST, DISPATCH, STATUS, LIST_RUNS, GET_RUN, WATCH, WHY, SHOW, WORKFLOW_STATE)
