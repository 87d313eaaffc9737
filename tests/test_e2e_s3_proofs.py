"""S3 plans that prove themselves, end to end: the action against moto's server and the
fake GitHub, one test per kind of operation.

* a setting toggled, limited to its one action, verified, and rolled back by the plan it
  leaves;
* a bucket created, verified in its region, and taken back by its rollback;
* a bucket deleted with everything in it: marked irreversible before approval, no way back;
* a plan that fails part-way: it says what ran, and applied again it carries out only
  what is left.

Every state a write can start from, the exact requests, and the attacks are in
``tests/test_s3_proofs.py`` (in process).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import PLAN_KEY, REPO
from e2e_proofs_support import ACCOUNT, BOT, WRITE_ROLE, blocks, report, rollback_of

from devops_agent import catalog, plans, session_policy
from devops_agent.signing import SigningKey

pytestmark = [pytest.mark.e2e, pytest.mark.in_process]


def assumed_policy(session_name: str) -> dict[str, Any]:
    from moto.sts.models import sts_backends

    assumed = [
        r for r in sts_backends[ACCOUNT]["global"].assumed_roles if r.session_name == session_name
    ]
    assert assumed, session_name
    return dict(json.loads(assumed[-1].policy))


def test_a_toggle_is_limited_verified_and_rolled_back(action, github, server_session, estate):
    s3 = server_session.client("s3")
    s3.create_bucket(Bucket="e2e-toggle")
    planned = action.comment(
        "/devops s3 public-access e2e-toggle block", aws_write_role_to_assume=WRITE_ROLE
    )
    plan_id = planned.outputs["plan-id"]
    body = blocks(github, 1)[0][0]["body"]
    block = {k: True for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls")}
    block["RestrictPublicBuckets"] = True
    assert (
        's3:PutBucketPublicAccessBlock {"Bucket":"e2e-toggle","PublicAccessBlockConfiguration":'
        in body
    ) and "(us-east-1)" in body
    assert "Session policy for the apply" in body and "IRREVERSIBLE" not in body

    applied = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert applied.code == 0, applied.summary
    audit = report(applied)["data"]["audit"]
    # the write session could do this one thing, to this bucket, in its region
    assert assumed_policy(audit["role_session_name"])["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["s3:PutBucketPublicAccessBlock"],
            "Resource": "arn:aws:s3:::e2e-toggle",
            "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1"]}},
        }
    ]
    (first,) = audit["entries"]
    assert [(c["operation"], c["params"]) for c in first["requests"]] == [
        (
            "PutPublicAccessBlock",
            {
                "Bucket": "e2e-toggle",
                "PublicAccessBlockConfiguration": dict(sorted(block.items())),
            },
        )
    ]
    assert first["status"] == "verified" and first["request_ids"]
    assert first["before"] is None  # no block of its own before: the way back removes it
    assert "✅ verified: s3://e2e-toggle has all four public access block settings on" in (
        applied.summary
    )

    back = rollback_of(github, 1, plan_id)
    assert [(e.operation, e.args["value"]) for e in back.entries] == [
        ("s3.restore_public_access_block", None)
    ]
    undone = action.comment(
        f"/devops apply {back.plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert undone.code == 0, undone.summary
    with pytest.raises(s3.exceptions.ClientError, match="NoSuchPublicAccessBlockConfiguration"):
        s3.get_public_access_block(Bucket="e2e-toggle")
    requests = report(undone)["data"]["audit"]["entries"][0]["requests"]
    assert [c["operation"] for c in requests] == ["DeletePublicAccessBlock"]


def test_a_create_is_verified_and_its_rollback_deletes_it(action, github, server_session, estate):
    planned = action.comment(
        "/devops s3 create e2e-created --region eu-west-1", aws_write_role_to_assume=WRITE_ROLE
    )
    plan_id = planned.outputs["plan-id"]
    applied = action.comment(f"/devops apply {plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE)
    assert applied.code == 0, applied.summary
    (first,) = report(applied)["data"]["audit"]["entries"]
    assert [(c["operation"], c["params"]) for c in first["requests"]] == [
        (
            "CreateBucket",
            {
                "Bucket": "e2e-created",
                "CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"},
            },
        )
    ]
    assert first["read_back"] == "s3://e2e-created exists in eu-west-1"
    s3 = server_session.client("s3")
    assert s3.head_bucket(Bucket="e2e-created")["BucketRegion"] == "eu-west-1"

    back = rollback_of(github, 1, plan_id)
    assert [e.operation for e in back.entries] == ["s3.delete_bucket"]
    assert back.entries[0].args["delete_objects"] is False
    assert "IRREVERSIBLE" in applied.summary  # the rollback says so before anyone applies it
    undone = action.comment(
        f"/devops apply {back.plan_id}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert undone.code == 0, undone.summary
    assert "e2e-created" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_a_delete_is_irreversible_before_approval_and_leaves_no_rollback(
    action, github, server_session, estate
):
    s3 = server_session.client("s3")
    s3.create_bucket(Bucket="e2e-doomed")
    for key in ("a.txt", "b.txt"):
        s3.put_object(Bucket="e2e-doomed", Key=key, Body=b"data")
    planned = action.comment(
        "/devops s3 delete e2e-doomed --delete-objects", aws_write_role_to_assume=WRITE_ROLE
    )
    body = blocks(github, 1)[0][0]["body"]
    assert "⚠️ IRREVERSIBLE — entry 1 cannot be undone" in body
    assert "deleted first, permanently" in body and "name is free" in body
    assert body.index("IRREVERSIBLE") < body.index("Nothing has changed yet")
    applied = action.comment(
        f"/devops apply {planned.outputs['plan-id']}", pr=1, aws_write_role_to_assume=WRITE_ROLE
    )
    assert applied.code == 0, applied.summary
    assert "No rollback plan" in applied.summary
    assert not [b for _, b in blocks(github, 1) if b.plan and b.plan.rollback_of]
    assert "e2e-doomed" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    audit = report(applied)["data"]["audit"]
    statements = assumed_policy(audit["role_session_name"])["Statement"]
    granted = {a for s in statements for a in s["Action"]}
    assert granted == {
        "s3:ListBucketVersions",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:DeleteBucket",
    }
    resources = {s["Resource"] for s in statements}
    assert resources == {"arn:aws:s3:::e2e-doomed", "arn:aws:s3:::e2e-doomed/*"}


def _entry(name: str, **args: Any) -> plans.PlanEntry:
    op = catalog.lookup(name)
    return op.entry(op.args.model_validate({"bucket_region": "us-east-1", **args}), name, [])


def test_a_partial_apply_says_what_ran_and_resumes_only_what_is_left(
    action, github, server_session, estate
):
    s3 = server_session.client("s3")
    for name in ("e2e-first", "e2e-second", "e2e-third"):
        s3.create_bucket(Bucket=name)
    pull = github.add_pull(REPO, title="x", user="alice")
    entries = [
        _entry("s3.put_versioning", bucket="e2e-first", versioning="on"),
        _entry("s3.put_tags", bucket="e2e-second", tags={"team": "b"}, tag_set={"team": "b"}),
        _entry("s3.put_versioning", bucket="e2e-third", versioning="on"),
    ]
    policy = session_policy.build(entries, account=ACCOUNT, partition="aws")
    assert policy is not None
    plan = plans.new_plan(
        entries,
        repository=REPO,
        requester="alice",
        thread=pull["number"],
        account=ACCOUNT,
        region="us-east-1",
        head_sha=pull["head"]["sha"],
        ledger_sha="a" * 40,
        policy_sha256=session_policy.digest(session_policy.render(policy)),
    )
    github.add_comment(
        REPO,
        pull["number"],
        body=plans.render_block(plan, SigningKey(PLAN_KEY)),
        user=BOT,
        user_type="Bot",
    )
    s3.delete_bucket(Bucket="e2e-second")  # gone between the plan and its apply

    def versioning(bucket: str) -> str:
        return str(s3.get_bucket_versioning(Bucket=bucket).get("Status", "Disabled"))

    first = action.comment(
        f"/devops apply {plan.plan_id}", pr=pull["number"], aws_write_role_to_assume=WRITE_ROLE
    )
    assert first.code == 1, first.summary
    assert "entries 1 ran, entries 2, 3 did not finish" in first.summary
    assert versioning("e2e-first") == "Enabled" and versioning("e2e-third") == "Disabled"
    outcomes = [e["status"] for e in report(first)["data"]["audit"]["entries"]]
    assert outcomes == ["verified", "failed", "not-run"]

    # the bucket is back; someone suspends the first one meanwhile; applied again
    s3.create_bucket(Bucket="e2e-second")
    s3.put_bucket_versioning(Bucket="e2e-first", VersioningConfiguration={"Status": "Suspended"})
    again = action.comment(
        f"/devops apply {plan.plan_id}", pr=pull["number"], aws_write_role_to_assume=WRITE_ROLE
    )
    assert again.code == 0, again.summary
    assert "carried out by an earlier apply" in again.summary
    assert versioning("e2e-first") == "Suspended"  # entry 1 was not repeated
    tags = s3.get_bucket_tagging(Bucket="e2e-second")["TagSet"]
    assert tags == [{"Key": "team", "Value": "b"}]
    assert versioning("e2e-third") == "Enabled"
    third = action.comment(
        f"/devops apply {plan.plan_id}", pr=pull["number"], aws_write_role_to_assume=WRITE_ROLE
    )
    assert third.code == 3
