"""IAM operations from the catalog: every state a preview branches on, and the same plan
whether the command is typed or the agent's tool is called.

For each write the typed command's plan entries must equal those the agent's tool call
makes for the same request (both run the one preview), survive validation of their
JSON (as apply does), and change the moto account when carried out. AWS managed
policies are loaded into moto here, so the AWS-managed branches are real.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from conftest import REPO
from test_aws_ops_support import Account, github_client, open_account

from devops_agent import catalog
from devops_agent.agent.tools import Pending, plan_entries
from devops_agent.aws import iam
from devops_agent.aws.iam.key_changes import KeyStatusArgs
from devops_agent.errors import Refused
from devops_agent.operation import PlanEntry, Unchanged, Write

READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"
DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
}
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture(scope="module")
def moto_account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    patch = pytest.MonkeyPatch()
    patch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    try:
        yield from open_account(tmp_path_factory)
    finally:
        patch.undo()


def proposed(account: Account, tool: str, **arguments: Any) -> list[PlanEntry]:
    """The plan entries the agent's tool call makes (the run's own ``plan_entries``)."""
    call = Pending(tool=tool, arguments=json.dumps(arguments), call_id="x")
    entries, problems = plan_entries(account.context(), [call])
    assert problems == [], problems
    return entries


def refused_tool(account: Account, tool: str, **arguments: Any) -> str:
    """Why the agent's tool call makes no plan."""
    call = Pending(tool=tool, arguments=json.dumps(arguments), call_id="x")
    entries, problems = plan_entries(account.context(), [call])
    assert entries == [] and len(problems) == 1
    return problems[0]


def same_plan(account: Account, command: str, tool: str, **arguments: Any) -> list[PlanEntry]:
    """The command's entries; the tool's must be the same, and each must validate again."""
    typed = account.plan(command)
    asked = proposed(account, tool, **arguments)
    assert [e.model_dump(mode="json") for e in asked] == [e.model_dump(mode="json") for e in typed]
    for entry in typed:
        again = PlanEntry.model_validate_json(entry.model_dump_json())
        _, args = catalog.validate(again)
        assert args.model_dump(mode="json") == entry.args, entry.operation
    return typed


def ops(entries: list[PlanEntry]) -> list[str]:
    return [e.operation for e in entries]


def key_of(account: Account, user: str, n: int = 0) -> iam.AccessKey:
    return iam.list_access_keys(account.session, user)[n]


# --------------------------------------------------------------------------- users


def test_user_create_from_command_or_tool(moto_account: Account) -> None:
    entries = same_plan(
        moto_account,
        "iam user create st-new --path /ci/ --tag team=ci",
        "create_user",
        user="st-new",
        path="/ci/",
        tags=[{"key": "team", "value": "ci"}],
    )
    assert entries[0].args == {"user": "st-new", "path": "/ci/", "tags": {"team": "ci"}}
    moto_account.apply(entries)
    user = iam.get_user(moto_account.session, "st-new")
    assert user is not None and user.path == "/ci/"
    tags = moto_account.client("iam").list_user_tags(UserName="st-new")["Tags"]
    assert tags == [{"Key": "team", "Value": "ci"}]
    assert "already an IAM user" in refused_tool(
        moto_account, "create_user", user="st-new", path="/", tags=[]
    )


def test_user_delete_branches_on_login_profile_and_what_hangs_on_it(
    moto_account: Account,
) -> None:
    c = moto_account.client("iam")
    c.create_user(UserName="st-bare")
    assert ops(moto_account.plan("iam user delete st-bare")) == ["iam.delete_user"]

    c.create_user(UserName="st-full")
    c.create_login_profile(UserName="st-full", Password="An0ther-Passw0rd!")
    c.put_user_policy(UserName="st-full", PolicyName="extra", PolicyDocument=json.dumps(DOCUMENT))
    c.attach_user_policy(UserName="st-full", PolicyArn=READ_ONLY)
    c.create_group(GroupName="st-group")
    c.add_user_to_group(UserName="st-full", GroupName="st-group")
    c.create_access_key(UserName="st-full")
    c.create_access_key(UserName="st-full")
    refused = moto_account.refused("iam user delete st-full")
    assert "2 access keys, a console password, 1 attached policy, 1 inline policy" in (
        refused.title
    )
    entries = same_plan(
        moto_account, "iam user delete st-full --force", "delete_user", user="st-full", force=True
    )
    assert ops(entries) == [
        "iam.delete_access_key",
        "iam.delete_access_key",
        "iam.delete_login_profile",
        "iam.detach_policy",
        "iam.delete_inline_policy",
        "iam.remove_user_from_group",
        "iam.delete_user",
    ]
    keys = iam.list_access_keys(moto_account.session, "st-full")
    assert [e.args["access_key"] for e in entries[:2]] == [k.id.lower() for k in keys]
    assert entries[3].args == {"user": "st-full", "role": None, "group": None, "policy": READ_ONLY}
    moto_account.apply(entries)
    assert iam.get_user(moto_account.session, "st-full") is None

    c.create_user(UserName="st-nopass")
    c.create_access_key(UserName="st-nopass")
    entries = moto_account.plan("iam user delete st-nopass --force")
    assert ops(entries) == ["iam.delete_access_key", "iam.delete_user"]  # no password step
    moto_account.apply(entries)
    assert iam.get_user(moto_account.session, "st-nopass") is None


def test_user_delete_refuses_what_it_never_removes(moto_account: Account) -> None:
    c = moto_account.client("iam")
    c.create_user(UserName="st-mfa")
    device = c.create_virtual_mfa_device(VirtualMFADeviceName="st-mfa")["VirtualMFADevice"]
    c.enable_mfa_device(
        UserName="st-mfa",
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )
    refused = moto_account.refused("iam user delete st-mfa --force")
    assert "1 MFA device" in refused.title and "does not remove" in refused.title
    assert "1 MFA device" in refused_tool(moto_account, "delete_user", user="st-mfa", force=True)
    assert "no IAM user" in refused_tool(moto_account, "delete_user", user="st-ghost", force=True)


# --------------------------------------------------------------------------- roles


def test_role_create_from_service_file_or_document(moto_account: Account) -> None:
    entries = same_plan(
        moto_account,
        "iam role create st-app --service ec2.amazonaws.com --description App",
        "create_role",
        role="st-app",
        trust=None,
        service=["ec2.amazonaws.com"],
        trust_policy=None,
        description="App",
        path="/",
    )
    (moto_account.workspace / "st-trust.json").write_text(json.dumps(TRUST))
    from_file = same_plan(
        moto_account,
        "iam role create st-app --trust st-trust.json --description App",
        "create_role",
        role="st-app",
        trust="st-trust.json",
        service=[],
        trust_policy=None,
        description="App",
        path="/",
    )
    given = proposed(
        moto_account,
        "create_role",
        role="st-app",
        trust=None,
        service=[],
        trust_policy=json.dumps(TRUST),
        description="App",
        path="/",
    )
    assert entries[0].args == from_file[0].args == given[0].args
    assert entries[0].args["trust_policy"] == json.dumps(TRUST, separators=(",", ":"))
    assert "the given trust policy may assume" in given[0].description
    assert "Say who may assume" in refused_tool(
        moto_account,
        "create_role",
        role="st-app",
        trust="st-trust.json",
        service=["ec2.amazonaws.com"],
        trust_policy=None,
        description="",
        path="/",
    )
    moto_account.apply(given)
    role = iam.get_role(moto_account.session, "st-app")
    assert role is not None and role.trust_policy == TRUST and role.description == "App"


def test_role_delete_branches_on_instance_profiles_policies_and_service_linked(
    moto_account: Account,
) -> None:
    c = moto_account.client("iam")
    c.create_role(RoleName="st-bare", AssumeRolePolicyDocument=json.dumps(TRUST))
    assert ops(moto_account.plan("iam role delete st-bare")) == ["iam.delete_role"]

    c.create_role(RoleName="st-server", AssumeRolePolicyDocument=json.dumps(TRUST))
    c.attach_role_policy(RoleName="st-server", PolicyArn=READ_ONLY)
    c.put_role_policy(RoleName="st-server", PolicyName="extra", PolicyDocument=json.dumps(DOCUMENT))
    c.create_instance_profile(InstanceProfileName="st-profile")
    c.add_role_to_instance_profile(InstanceProfileName="st-profile", RoleName="st-server")
    refused = moto_account.refused("iam role delete st-server")
    assert "instance profiles st-profile" in refused.title
    entries = same_plan(
        moto_account,
        "iam role delete st-server --force",
        "delete_role",
        role="st-server",
        force=True,
    )
    assert ops(entries) == [
        "iam.detach_policy",
        "iam.delete_inline_policy",
        "iam.remove_role_from_instance_profile",
        "iam.delete_role",
    ]
    moto_account.apply(entries)
    assert iam.get_role(moto_account.session, "st-server") is None
    profile = c.get_instance_profile(InstanceProfileName="st-profile")["InstanceProfile"]
    assert profile["Roles"] == []

    linked = c.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")
    name = linked["Role"]["RoleName"]
    assert "service-linked" in moto_account.refused(f"iam role delete {name} --force").title
    assert "service-linked" in refused_tool(moto_account, "delete_role", role=name, force=True)


# --------------------------------------------------------------------------- policies


def test_policy_create_from_file_or_document(moto_account: Account) -> None:
    (moto_account.workspace / "st-policy.json").write_text(json.dumps(DOCUMENT, indent=2))
    from_file = same_plan(
        moto_account,
        "iam policy create st-reader st-policy.json --description Reads",
        "create_policy",
        policy="st-reader",
        file="st-policy.json",
        document=None,
        description="Reads",
        path="/",
    )
    given = proposed(
        moto_account,
        "create_policy",
        policy="st-reader",
        file=None,
        document=json.dumps(DOCUMENT),
        description="Reads",
        path="/",
    )
    assert from_file[0].args == given[0].args
    assert from_file[0].args["file"] is None  # the plan carries the checked document itself
    assert "Give the policy document" in moto_account.refused("iam policy create st-x").title
    moto_account.apply(given)
    assert iam.policy_detail(moto_account.session, "st-reader").document == DOCUMENT


def test_attach_and_detach_branch_on_attached_and_on_aws_managed(moto_account: Account) -> None:
    c = moto_account.client("iam")
    c.create_user(UserName="st-attach")
    arn = c.create_policy(PolicyName="st-attachable", PolicyDocument=json.dumps(DOCUMENT))[
        "Policy"
    ]["Arn"]

    detach = "iam policy detach st-attachable --user st-attach"
    assert "is not attached" in moto_account.refused(detach).title
    entries = same_plan(
        moto_account,
        "iam policy attach st-attachable --user st-attach",
        "attach_policy",
        policy="st-attachable",
        user="st-attach",
        role=None,
        group=None,
    )
    assert entries[0].args["policy"] == arn  # a name becomes the ARN
    moto_account.apply(entries)
    assert (
        "already attached"
        in moto_account.refused("iam policy attach st-attachable --user st-attach").title
    )
    entries = same_plan(
        moto_account,
        detach,
        "detach_policy",
        policy=arn,
        user="st-attach",
        role=None,
        group=None,
    )
    moto_account.apply(entries)
    assert iam.policies_of(moto_account.session, "user", "st-attach") == []

    managed = same_plan(
        moto_account,
        f"iam policy attach {READ_ONLY} --user st-attach",
        "attach_policy",
        policy=READ_ONLY,
        user="st-attach",
        role=None,
        group=None,
    )
    moto_account.apply(managed)
    assert [p.arn for p in iam.policies_of(moto_account.session, "user", "st-attach")] == [
        READ_ONLY
    ]
    assert "Say what to attach it to" in refused_tool(
        moto_account, "attach_policy", policy=READ_ONLY, user=None, role=None, group=None
    )


def test_policy_delete_branches_on_attachments_versions_and_aws_managed(
    moto_account: Account,
) -> None:
    c = moto_account.client("iam")
    arn = c.create_policy(PolicyName="st-plain", PolicyDocument=json.dumps(DOCUMENT))["Policy"][
        "Arn"
    ]
    assert ops(moto_account.plan("iam policy delete st-plain")) == ["iam.delete_policy"]

    c.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(DOCUMENT), SetAsDefault=True)
    c.create_role(RoleName="st-holder", AssumeRolePolicyDocument=json.dumps(TRUST))
    c.attach_role_policy(RoleName="st-holder", PolicyArn=arn)
    refused = refused_tool(moto_account, "delete_policy", policy="st-plain", force=False)
    assert "attached to role st-holder" in refused
    entries = same_plan(
        moto_account,
        "iam policy delete st-plain --force",
        "delete_policy",
        policy="st-plain",
        force=True,
    )
    assert ops(entries) == ["iam.detach_policy", "iam.delete_policy_version", "iam.delete_policy"]
    assert entries[1].args == {"arn": arn, "version": "v1"}
    moto_account.apply(entries)
    assert "no customer managed policy" in moto_account.refused("iam policy show st-plain").title

    refused = moto_account.refused(f"iam policy delete {READ_ONLY} --force")
    assert "AWS managed policy" in refused.title
    assert "AWS managed policy" in refused_tool(
        moto_account, "delete_policy", policy=READ_ONLY, force=True
    )


def test_policy_scopes(moto_account: Account) -> None:
    aws_managed = moto_account.run("iam policies --scope aws")
    assert aws_managed.title.endswith("AWS managed IAM policies")
    assert READ_ONLY in {p["arn"] for p in aws_managed.data["policies"]}
    local = moto_account.run("iam policies")
    assert READ_ONLY not in {p["arn"] for p in local.data["policies"]}
    shown = moto_account.run(f"iam policy show {READ_ONLY}")
    assert shown.title.startswith("Policy ReadOnlyAccess")
    assert (
        "expected 'Local', 'AWS' or 'All'" in moto_account.refused("iam policies --scope x").title
    )


# --------------------------------------------------------------------------- access keys


def test_keys_with_none_one_or_two(moto_account: Account, github: Any) -> None:
    c = moto_account.client("iam")
    c.create_user(UserName="st-keys")
    assert moto_account.run("iam keys st-keys").tables[0].rows == []
    assert (
        "no active access key" in moto_account.refused("iam keys rotate st-keys --secret K").title
    )

    created = same_plan(
        moto_account,
        "iam keys create st-keys --secret st_keys",
        "create_access_key",
        user="st-keys",
        secret="st_keys",
    )
    assert created[0].args == {
        "user": "st-keys",
        "secret": "ST_KEYS",
        "repository": REPO,
        "existing": [],  # the keys it had: the read-back tells the new one from them
    }
    moto_account.apply(created, gh=github_client(github))
    (first,) = iam.list_access_keys(moto_account.session, "st-keys")

    rotate = same_plan(
        moto_account,
        "iam keys rotate st-keys --secret ST_KEYS",
        "rotate_access_key",
        user="st-keys",
        secret="ST_KEYS",
    )
    assert ops(rotate) == ["iam.create_access_key", "iam.update_access_key"]
    assert rotate[0].args["existing"] == [first.id.lower()]
    assert rotate[1].args == {
        "user": "st-keys",
        "access_key": first.id.lower(),
        "status": "Inactive",
    }
    assert first.id not in json.dumps([e.model_dump() for e in rotate])  # never the AKIA shape
    moto_account.apply(rotate, gh=github_client(github))
    old, new = iam.list_access_keys(moto_account.session, "st-keys")
    assert (old.status, new.status) == ("Inactive", "Active")
    assert github.secret_value(REPO, "ST_KEYS_ACCESS_KEY_ID") == new.id

    for command in ("iam keys create st-keys --secret X", "iam keys rotate st-keys --secret X"):
        assert "2 access keys" in moto_account.refused(command).title
    assert "2 access keys" in refused_tool(
        moto_account, "create_access_key", user="st-keys", secret="X"
    )


def test_key_status_branches_on_active_and_inactive(moto_account: Account) -> None:
    c = moto_account.client("iam")
    c.create_user(UserName="st-status")
    c.create_access_key(UserName="st-status")
    key = key_of(moto_account, "st-status")
    assert key.status == "Active"

    active = moto_account.run(f"iam keys activate st-status {key.suffix}")
    assert active.title.endswith("already Active") and active.status == "success"
    preview = iam.UPDATE_ACCESS_KEY.plan(
        moto_account.context(),
        KeyStatusArgs(user="st-status", access_key=key.suffix, status="Active"),
    )
    assert isinstance(preview, Unchanged)
    assert "nothing to change" in refused_tool(
        moto_account,
        "set_access_key_status",
        user="st-status",
        access_key=key.suffix,
        status="Active",
    )
    refused = moto_account.refused(f"iam keys delete st-status {key.suffix}")
    assert "is active" in refused.title
    forced = same_plan(
        moto_account,
        f"iam keys delete st-status …{key.suffix} --force",
        "delete_access_key",
        user="st-status",
        access_key=key.suffix.lower(),
        force=True,
    )
    assert forced[0].args["access_key"] == key.id.lower()

    entries = same_plan(
        moto_account,
        f"iam keys deactivate st-status {key.suffix}",
        "set_access_key_status",
        user="st-status",
        access_key=key.suffix,
        status="inactive",
    )
    moto_account.apply(entries)
    assert key_of(moto_account, "st-status").status == "Inactive"

    assert moto_account.run(f"iam keys deactivate st-status {key.id}").title.endswith(
        "already Inactive"
    )
    assert (
        "no active access key" in moto_account.refused("iam keys rotate st-status --secret X").title
    )
    entries = same_plan(
        moto_account,
        f"iam keys activate st-status {key.suffix}",
        "set_access_key_status",
        user="st-status",
        access_key=key.suffix,
        status="Active",
    )
    moto_account.apply(entries)
    assert key_of(moto_account, "st-status").status == "Active"

    c.update_access_key(UserName="st-status", AccessKeyId=key.id, Status="Inactive")
    entries = same_plan(  # an inactive key needs no --force
        moto_account,
        f"iam keys delete st-status {key.suffix}",
        "delete_access_key",
        user="st-status",
        access_key=key.suffix,
        force=False,
    )
    assert "(inactive)" in entries[0].description
    moto_account.apply(entries)
    assert iam.list_access_keys(moto_account.session, "st-status") == []


def test_every_users_keys_with_their_age(moto_account: Account) -> None:
    c = moto_account.client("iam")
    for name in ("st-age-a", "st-age-b", "st-age-none"):
        c.create_user(UserName=name)
    c.create_access_key(UserName="st-age-a")
    c.create_access_key(UserName="st-age-b")
    c.create_access_key(UserName="st-age-b")
    result = moto_account.run("iam keys")
    assert result.tables[0].columns[:5] == ["User", "Key", "Status", "Created", "Age (days)"]
    users = [row[0] for row in result.tables[0].rows]
    assert users.count("st-age-a") == 1 and users.count("st-age-b") == 2
    assert "st-age-none" not in users
    assert all(row[1].startswith("…") for row in result.tables[0].rows)
    keys = {k["suffix"]: k for k in result.data["access_keys"]}
    assert all(k["age_days"] == 0 for k in keys.values())

    (key,) = iam.list_access_keys(moto_account.session, "st-age-a")
    assert key.created is not None
    later = iam.list_access_keys(
        moto_account.session, "st-age-a", now=key.created + timedelta(days=100, hours=1)
    )
    assert later[0].age_days == 100
    assert later[0].model_dump()["suffix"] == key.id[-4:]


# --------------------------------------------------------------------------- steps


def test_steps_are_reached_only_through_their_composites(moto_account: Account) -> None:
    composites = [op for op in catalog.writes() if op.service == "iam" and op.run is None]
    assert {op.tool_name for op in composites} == {
        "delete_user",
        "delete_role",
        "delete_policy",
        "rotate_access_key",
        "deactivate_unused_keys",
        "disable_console",
    }
    steps = [op for op in catalog.writes() if op.service == "iam" and not op.commands]
    rollback_steps = {
        "iam.add_user_to_group",
        "iam.add_role_to_instance_profile",
        "iam.put_inline_policy",
    }
    assert len(steps) == 8 + len(rollback_steps)
    for step in steps:
        assert isinstance(step, Write) and step.run is not None and not step.for_agent
        if step.name in rollback_steps:
            # only a rollback plan carries it: the step it puts back declares it
            assert not any(step in op.emits for op in composites), step.name
            assert any(step in op.emits for op in steps if op.undo is not None), step.name
            with pytest.raises(Refused, match="only planned as a rollback"):
                step.plan(moto_account.context(), None)
            continue
        assert any(step in op.emits for op in composites), step.name
        with pytest.raises(Refused, match="only planned as a step"):
            step.plan(moto_account.context(), None)
    for tool, arguments in (
        ("remove_user_from_group", {"user": "x", "group": "y"}),
        ("add_user_to_group", {"user": "x", "group": "y"}),
    ):
        assert "not a change devops-agent can plan" in refused_tool(moto_account, tool, **arguments)
