"""``python -m devops_agent`` is the same as the ``devops-agent`` console script."""

import sys

from devops_agent.cli import main

sys.exit(main())
