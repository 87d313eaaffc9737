"""devops-agent: a DevOps agent for GitHub Actions.

Kept import-free on purpose: ``devops-agent action`` must acknowledge a comment
before heavy libraries (boto3, the Agents SDK) load.
"""

__version__ = "0.1.0"
