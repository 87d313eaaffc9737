"""A stateful fake of GitHub's REST API over real HTTP (see :class:`FakeGitHub`)."""

from devops_agent_sandbox.github.fake import FakeGitHub, RecordedRequest

__all__ = ["FakeGitHub", "RecordedRequest"]
