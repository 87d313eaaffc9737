"""The sandbox: stand-ins for GitHub and AWS, the demo and the agent evals.

Beside the product, not inside it: the container image copies only ``devops_agent/``, and
nothing in ``devops_agent`` imports this package except the ``demo`` and ``eval`` verbs of
the CLI, lazily. It needs moto, which the ``sandbox`` (and ``dev``) extra installs::

    pip install '.[sandbox]'

- :mod:`devops_agent_sandbox.github`: a stateful fake of GitHub's REST API over real HTTP;
- :mod:`devops_agent_sandbox.payloads`: Actions event payloads shaped like GitHub's webhooks;
- :mod:`devops_agent_sandbox.estate`: a seeded AWS account (moto) with things to find;
- :mod:`devops_agent_sandbox.demo`: ``devops-agent demo``, the action run against both;
- :mod:`devops_agent_sandbox.evals`: ``devops-agent eval``, recorded agent scenarios.
"""
