"""IAM plans that prove themselves (issue 15), end to end: ``devops-agent action`` against
moto's server and the fake GitHub, one test per kind of operation.

A toggle with its rollback (an access key switched off, then on again by the rollback
plan), a create with its undo (a user, deleted again), deletions that cannot be undone
marked before anyone approves them, and a partial failure applied again. Each asserts
what AWS, the thread and the report hold, never that a function was called.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from e2e_proofs_support import ACCOUNT, WRITE_ROLE, blocks, report, rollback_of

pytestmark = [pytest.mark.e2e, pytest.mark.in_process]

DOC = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
    }
)


def assumed_policy(audit: dict[str, Any]) -> dict[str, Any]:
    """The session policy the STS call of this apply really carried."""
    from moto.sts.models import sts_backends

    found = [
        r
        for r in sts_backends[ACCOUNT]["global"].assumed_roles
        if r.session_name == audit["role_session_name"]
    ]
    assert found and found[-1].policy == audit["session_policy"]
    return dict(json.loads(found[-1].policy))


def test_a_key_switched_off_is_verified_and_its_rollback_switches_it_on(
    action, github, server_session
):
    iam = server_session.client("iam")
    iam.create_user(UserName="ci", Path="/service/")
    key = iam.create_access_key(UserName="ci")["AccessKey"]["AccessKeyId"]
    planned = action.comment(
        f"/devops iam keys deactivate ci {key[-4:]}", aws_write_role_to_assume=WRITE_ROLE
    )
    plan_id = planned.outputs["plan-id"]
    body = blocks(github, 1)[0][0]["body"]
    # the exact call (its key id redacted, as everything posted), the policy, no warning
    assert 'iam:UpdateAccessKey {"AccessKeyId":"[REDACTED]","Status":"Inactive"' in body
    assert "(global)" in body and "IRREVERSIBLE" not in body
    assert key not in body

    applied = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert applied.code == 0, applied.summary
    audit = report(applied)["data"]["audit"]
    assert assumed_policy(audit)["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["iam:UpdateAccessKey"],
            "Resource": [
                f"arn:aws:iam::{ACCOUNT}:user/*/ci",
                f"arn:aws:iam::{ACCOUNT}:user/ci",
            ],
            "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1"]}},
        }
    ]
    (first,) = audit["entries"]
    assert [(c["operation"], c["params"]) for c in first["requests"]] == [
        ("UpdateAccessKey", {"UserName": "ci", "AccessKeyId": "[REDACTED]", "Status": "Inactive"})
    ]
    assert first["status"] == "verified" and first["request_ids"]
    assert first["before"] == {"status": "Active"}
    assert "✅ verified" in applied.summary
    status = iam.list_access_keys(UserName="ci")["AccessKeyMetadata"][0]["Status"]
    assert status == "Inactive"

    back = rollback_of(github, 1, plan_id)
    assert [(e.operation, e.args["status"]) for e in back.entries] == [
        ("iam.update_access_key", "Active")
    ]
    undone = action.comment(
        f"/devops apply {back.plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert undone.code == 0, undone.summary
    assert iam.list_access_keys(UserName="ci")["AccessKeyMetadata"][0]["Status"] == "Active"


def test_a_created_user_is_verified_and_its_rollback_deletes_it(action, github, server_session):
    iam = server_session.client("iam")
    planned = action.comment(
        "/devops iam user create svc --path /ci/ --tag team=ci",
        aws_write_role_to_assume=WRITE_ROLE,
    )
    plan_id = planned.outputs["plan-id"]
    body = blocks(github, 1)[0][0]["body"]
    assert 'iam:CreateUser {"Path":"/ci/","Tags":[{"Key":"team","Value":"ci"}]' in body
    applied = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert applied.code == 0, applied.summary
    (statement,) = assumed_policy(report(applied)["data"]["audit"])["Statement"]
    # creating with tags needs iam:TagUser too, on the one user the plan creates
    assert statement["Action"] == ["iam:CreateUser", "iam:TagUser"]
    assert statement["Resource"] == f"arn:aws:iam::{ACCOUNT}:user/ci/svc"
    assert iam.get_user(UserName="svc")["User"]["Path"] == "/ci/"

    back = rollback_of(github, 1, plan_id)
    assert [e.operation for e in back.entries] == ["iam.delete_user"]
    # the rollback itself deletes: that is said before it is applied
    assert "IRREVERSIBLE" in applied.summary
    undone = action.comment(
        f"/devops apply {back.plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert undone.code == 0, undone.summary
    assert not [u for u in iam.list_users()["Users"] if u["UserName"] == "svc"]


def test_deletions_that_cannot_be_undone_say_so_before_approval(action, github, server_session):
    iam = server_session.client("iam")
    iam.create_user(UserName="leaver")
    iam.create_access_key(UserName="leaver")
    iam.create_login_profile(UserName="leaver", Password="An0ther-Passw0rd!")
    iam.create_group(GroupName="staff")
    iam.add_user_to_group(UserName="leaver", GroupName="staff")
    iam.put_user_policy(UserName="leaver", PolicyName="extra", PolicyDocument=DOC)
    planned = action.comment(
        "/devops iam user delete leaver --force", aws_write_role_to_assume=WRITE_ROLE
    )
    body = blocks(github, 1)[0][0]["body"]
    ops = [e.operation for e in blocks(github, 1)[0][1].plan.entries]
    assert ops == [
        "iam.delete_access_key",
        "iam.delete_login_profile",
        "iam.delete_inline_policy",
        "iam.remove_user_from_group",
        "iam.delete_user",
    ]
    for n, words in ((1, "access key"), (2, "console password"), (5, "IAM user")):
        warning = f"⚠️ IRREVERSIBLE — entry {n} cannot be undone: a deleted {words}"
        if n == 2:
            warning = f"⚠️ IRREVERSIBLE — entry {n} cannot be undone: the {words} is deleted"
        assert warning in body, body
        assert body.index(warning) < body.index("Nothing has changed yet")
    for n in (3, 4):  # an inline policy and a membership can be put back
        assert f"entry {n} cannot be undone" not in body
    assert "IRREVERSIBLE" in planned.summary

    applied = action.comment(
        f"/devops apply {planned.outputs['plan-id']}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert applied.code == 0, applied.summary
    assert not [u for u in iam.list_users()["Users"] if u["UserName"] == "leaver"]
    # the user is gone: nothing can be put back onto it, so no rollback plan is offered
    assert "No rollback plan" in applied.summary
    assert not [b for _, b in blocks(github, 1) if b.plan and b.plan.rollback_of]


def test_a_user_deletion_that_fails_stops_offers_a_way_back_and_resumes(
    action, github, server_session
):
    """The deletion fails (an inline policy appeared after the plan was made): the detach and
    the group removal stay done, the rollback plan puts them back, and once the inline
    policy is gone, applying the plan again carries out only the deletion."""
    iam = server_session.client("iam")
    iam.create_user(UserName="half")
    arn = iam.create_policy(PolicyName="reader", PolicyDocument=DOC)["Policy"]["Arn"]
    iam.attach_user_policy(UserName="half", PolicyArn=arn)
    iam.create_group(GroupName="staff")
    iam.add_user_to_group(UserName="half", GroupName="staff")
    planned = action.comment(
        "/devops iam user delete half --force", aws_write_role_to_assume=WRITE_ROLE
    )
    plan_id = planned.outputs["plan-id"]
    iam.put_user_policy(UserName="half", PolicyName="late", PolicyDocument=DOC)

    first = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert first.code == 1, first.summary
    assert "entries 1, 2 ran, entries 3 did not finish" in first.summary
    assert iam.list_attached_user_policies(UserName="half")["AttachedPolicies"] == []
    assert iam.list_groups_for_user(UserName="half")["Groups"] == []
    found = next(b for _, b in blocks(github, 1) if b.plan_id == plan_id)
    assert found.state == "failed"
    back = rollback_of(github, 1, plan_id)
    assert [e.operation for e in back.entries] == ["iam.add_user_to_group", "iam.attach_policy"]

    iam.delete_user_policy(UserName="half", PolicyName="late")
    again = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert again.code == 0, again.summary
    assert again.summary.count("carried out by an earlier apply") == 2
    assert not [u for u in iam.list_users()["Users"] if u["UserName"] == "half"]
    requests = [
        c["operation"] for e in report(again)["data"]["audit"]["entries"] for c in e["requests"]
    ]
    assert requests == ["DeleteUser"]  # nothing done before was sent again
