"""Each authorization question on its own, then combined."""

import pytest

from devops_agent.authz import (
    addresses_agent,
    command_text,
    effective_role,
    ignore_reason,
    in_allow_list,
    is_bot,
    refusal_reason,
    role_reaches,
)
from devops_agent.events import DispatchEvent, OtherEvent
from devops_agent.settings import Settings
from devops_agent.testing import make_comment


def comment(body="/devops ec2 list", *, action="created", author="alice", author_type="User"):
    return make_comment(
        action=action,
        repository="acme/app",
        number=1,
        is_pull_request=True,
        comment_id=10,
        body=body,
        author=author,
        author_type=author_type,
    )


@pytest.mark.parametrize(
    ("login", "user_type", "expected"),
    [
        ("github-actions[bot]", "Bot", True),
        ("dependabot[bot]", "User", True),
        ("renovate", "Bot", True),
        ("alice", "User", False),
    ],
)
def test_is_bot(login, user_type, expected):
    assert is_bot(login, user_type) is expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("/devops ec2 list", True),
        ("  /devops\thelp", True),
        ("/DevOps help", True),
        ("/devops", True),
        ("/devopsx help", False),
        ("please /devops help", False),
        ("", False),
    ],
)
def test_addresses_agent(body, expected):
    assert addresses_agent(body, "/devops") is expected


def test_command_text_keeps_case_of_arguments():
    assert (
        command_text("/devops s3 ls MyBucket Logs/\nmore", "/devops")
        == "s3 ls MyBucket Logs/\nmore"
    )


def test_allow_list():
    assert in_allow_list("Alice", ("alice",))
    assert not in_allow_list("bob", ("alice",))
    assert in_allow_list("anyone", ())


@pytest.mark.parametrize(
    ("role_name", "legacy", "expected"),
    [
        ("maintain", "write", "maintain"),
        ("triage", "read", "triage"),
        ("custom-deployer", "write", "write"),
        (None, "admin", "admin"),
        (None, None, "none"),
    ],
)
def test_effective_role_prefers_role_name(role_name, legacy, expected):
    assert effective_role(role_name, legacy) == expected


def test_role_order():
    assert role_reaches("maintain", "write")
    assert not role_reaches("triage", "write")
    assert role_reaches("read", "read")
    assert not role_reaches("none", "read")


def test_ignore_reasons():
    settings = Settings()
    assert ignore_reason(comment(), settings) is None
    assert "edited" in ignore_reason(comment(action="edited"), settings)
    assert "bot" in ignore_reason(comment(author="ci[bot]", author_type="Bot"), settings)
    assert "/devops" in ignore_reason(comment(body="LGTM"), settings)
    assert "push" in ignore_reason(OtherEvent(name="push"), settings)
    assert ignore_reason(DispatchEvent(repository="a/b", actor="x", inputs={}), settings) is None


def test_refusal_checks_allow_list_before_calling_github():
    calls = []

    def lookup(login):
        calls.append(login)
        return "admin"

    settings = Settings(allowed_users=("alice",))
    assert "allowed-users" in refusal_reason("mallory", settings, lookup)
    assert calls == []
    assert refusal_reason("alice", settings, lookup) is None


def test_refusal_by_role():
    settings = Settings(min_permission="maintain")
    assert "needs at least maintain" in refusal_reason("bob", settings, lambda _: "write")
    assert "no access" in refusal_reason("eve", settings, lambda _: "none")
    assert refusal_reason("carol", settings, lambda _: "admin") is None
