"""The event file becomes one typed event, or a clear error."""

import json

import pytest

from devops_agent.errors import EventError
from devops_agent.events import CommentEvent, DispatchEvent, OtherEvent, ScheduleEvent, parse_event
from devops_agent.settings import ActionsEnv
from devops_agent_sandbox.payloads import comment_event, dispatch_event, schedule_event


def env_for(tmp_path, name, payload):
    path = tmp_path / "event.json"
    if payload is not None:
        path.write_text(json.dumps(payload))
    return ActionsEnv(event_name=name, event_path=path, repository="acme/app")


def test_comment_on_a_pull_request(tmp_path):
    event = parse_event(
        env_for(
            tmp_path,
            "issue_comment",
            comment_event("acme/app", 7, "/devops help", is_pr=True, comment_id=42),
        )
    )
    assert isinstance(event, CommentEvent)
    assert (event.number, event.comment_id, event.is_pull_request, event.action) == (
        7,
        42,
        True,
        "created",
    )
    assert event.author == "octocat" and event.body == "/devops help"


def test_comment_on_an_issue(tmp_path):
    event = parse_event(
        env_for(tmp_path, "issue_comment", comment_event("acme/app", 3, "/devops help"))
    )
    assert isinstance(event, CommentEvent) and not event.is_pull_request


def test_dispatch_and_schedule(tmp_path):
    event = parse_event(
        env_for(
            tmp_path,
            "workflow_dispatch",
            dispatch_event("acme/app", inputs={"command": "ec2 list"}, login="bob"),
        )
    )
    assert (
        isinstance(event, DispatchEvent)
        and event.inputs["command"] == "ec2 list"
        and event.actor == "bob"
    )
    event = parse_event(env_for(tmp_path, "schedule", schedule_event("acme/app")))
    assert isinstance(event, ScheduleEvent) and event.repository == "acme/app"


def test_other_events_are_typed_not_parsed(tmp_path):
    assert isinstance(parse_event(env_for(tmp_path, "push", None)), OtherEvent)


def test_missing_event_name():
    with pytest.raises(EventError) as err:
        parse_event(ActionsEnv())
    assert "devops-agent run" in err.value.remedy


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"issue": {"number": 1}}, "comment"),
        ({"issue": {"number": "x"}, "comment": {"id": 1, "user": {"login": "a"}}}, "not a number"),
        ([1, 2], "not an object"),
    ],
)
def test_incomplete_payloads(tmp_path, payload, message):
    with pytest.raises(EventError) as err:
        parse_event(env_for(tmp_path, "issue_comment", payload))
    assert message in err.value.message


@pytest.mark.parametrize(
    "payload",
    [
        {"repository": "x", "issue": {"number": 1}, "comment": {"id": 2, "user": {"login": "a"}}},
        {"issue": {"number": 1}, "comment": {"id": 2, "user": None}},
        {"issue": "1", "comment": {"id": 2, "user": {"login": "a"}}},
    ],
)
def test_fields_of_the_wrong_type_are_a_clear_error(tmp_path, payload):
    with pytest.raises(EventError) as err:
        parse_event(env_for(tmp_path, "issue_comment", payload))
    assert "wrong type" in err.value.message or "no `" in err.value.message


def test_dispatch_sender_of_the_wrong_type(tmp_path):
    with pytest.raises(EventError):
        parse_event(env_for(tmp_path, "workflow_dispatch", {"sender": "bob", "inputs": {}}))
