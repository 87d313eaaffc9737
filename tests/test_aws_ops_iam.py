"""IAM operations: users, roles, groups, managed policies, access keys and permissions.

A new access key's secret goes only to repository Actions secrets; it never
appears in anything a command or an executor returns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import REPO
from test_aws_ops_support import Account, github_client, open_account

from devops_agent.aws import iam
from devops_agent.aws.policy_document import validate_policy
from devops_agent.errors import BadInput


@pytest.fixture(scope="module")
def moto_account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    yield from open_account(tmp_path_factory)


POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"}],
}


@pytest.fixture(scope="module")
def people(moto_account: Account) -> dict[str, str]:
    """``dev`` in group ``devs`` with a key, an attached and an inline policy; a role."""
    c = moto_account.client("iam")
    arn = c.create_policy(PolicyName="reader", PolicyDocument=json.dumps(POLICY))["Policy"]["Arn"]
    c.create_user(UserName="dev")
    c.create_group(GroupName="devs")
    c.add_user_to_group(UserName="dev", GroupName="devs")
    c.attach_group_policy(GroupName="devs", PolicyArn=arn)
    c.attach_user_policy(UserName="dev", PolicyArn=arn)
    c.put_user_policy(UserName="dev", PolicyName="inline-extra", PolicyDocument=json.dumps(POLICY))
    c.create_access_key(UserName="dev")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    c.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(trust))
    c.attach_role_policy(RoleName="app", PolicyArn=arn)
    return {"policy": arn}


def test_reads(moto_account: Account, people: dict[str, str]) -> None:
    assert [g["name"] for g in moto_account.run("iam groups").data["groups"]] == ["devs"]
    direct = moto_account.run("iam policies --user dev").data["policies"]
    assert {(p["name"], p["kind"]) for p in direct} == {
        ("reader", "managed"),
        ("inline-extra", "inline"),
    }
    assert moto_account.run("iam policies --group devs").data["policies"][0]["name"] == "reader"
    assert moto_account.run("iam policies").data["policies"][0]["name"] == "reader"  # unchanged
    shown = moto_account.run("iam policy show reader")
    assert "s3:GetObject" in shown.text and ["user", "dev"] in shown.tables[0].rows
    keys = moto_account.run("iam keys dev")
    assert keys.tables[0].rows[0][1] == "Active" and keys.tables[0].rows[0][0].startswith("…")
    perms = moto_account.run("iam permissions dev")
    assert {(r[0], r[2]) for r in perms.tables[0].rows} == {
        ("reader", "direct"),
        ("inline-extra", "direct"),
        ("reader", "group devs"),
    }
    assert "Groups: devs" in perms.text
    assert moto_account.run("iam permissions app").data["permissions"]["kind"] == "role"
    assert "no IAM user or role" in moto_account.refused("iam permissions ghost").title
    assert "Not found" in moto_account.refused("iam keys ghost").title


def test_permissions_simulate(moto_account: Account, people: dict[str, str]) -> None:
    """moto has no policy simulator: a before-call hook answers as IAM would."""
    seen: list[dict[str, Any]] = []

    class _Http:
        status_code = 200

    def simulator(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        seen.append(params)
        return _Http(), {
            "EvaluationResults": [
                {
                    "EvalActionName": "s3:GetObject",
                    "EvalResourceName": "*",
                    "EvalDecision": "allowed",
                    "MatchedStatements": [{"SourcePolicyId": "reader"}],
                },
                {
                    "EvalActionName": "ec2:StartInstances",
                    "EvalResourceName": "*",
                    "EvalDecision": "implicitDeny",
                },
            ],
            "IsTruncated": False,
        }

    events = moto_account.session.events
    events.register("before-call.iam.SimulatePrincipalPolicy", simulator)
    try:
        result = moto_account.run("iam permissions dev --simulate s3:GetObject,ec2:StartInstances")
    finally:
        events.unregister("before-call.iam.SimulatePrincipalPolicy", simulator)
    assert result.status == "success"
    assert result.tables[1].rows == [
        ["s3:GetObject", "*", "allowed", "reader"],
        ["ec2:StartInstances", "*", "implicitDeny", "-"],
    ]
    assert "arn:aws:iam::123456789012:user/dev" in json.dumps(seen[0]["body"])
    assert "Not an action" in moto_account.refused("iam permissions dev --simulate GetObject").title


def test_user_create_and_forced_delete(moto_account: Account, people: dict[str, str]) -> None:
    entries = moto_account.plan("iam user create temp-user --path /ci/ --tag team=ci")
    assert iam.get_user(moto_account.session, "temp-user") is None
    moto_account.apply(entries)
    assert iam.get_user(moto_account.session, "temp-user").path == "/ci/"  # type: ignore[union-attr]
    assert "already an IAM user" in moto_account.refused("iam user create temp-user").title
    assert "not an IAM user name" in moto_account.refused("iam user create 'bad name'").title

    c = moto_account.client("iam")
    c.attach_user_policy(UserName="temp-user", PolicyArn=people["policy"])
    c.add_user_to_group(UserName="temp-user", GroupName="devs")
    c.create_login_profile(UserName="temp-user", Password="An0ther-Passw0rd!")
    c.create_access_key(UserName="temp-user")
    refused = moto_account.refused("iam user delete temp-user")
    assert "access key" in refused.title and "--force" in refused.text
    entries = moto_account.plan("iam user delete temp-user --force")
    assert [e.operation for e in entries] == [
        "iam.delete_access_key",
        "iam.delete_login_profile",
        "iam.detach_policy",
        "iam.remove_user_from_group",
        "iam.delete_user",
    ]
    assert iam.get_user(moto_account.session, "temp-user") is not None
    moto_account.apply(entries)
    assert iam.get_user(moto_account.session, "temp-user") is None
    assert "no IAM user" in moto_account.refused("iam user delete temp-user").title


def test_role_create_from_service_or_file_then_delete(
    moto_account: Account, people: dict[str, str]
) -> None:
    entries = moto_account.plan(
        "iam role create lambda-app --service lambda.amazonaws.com --description 'App'"
    )
    assert iam.get_role(moto_account.session, "lambda-app") is None
    moto_account.apply(entries)
    role = iam.get_role(moto_account.session, "lambda-app")
    assert role is not None and role.trust_policy["Statement"][0]["Principal"] == {
        "Service": "lambda.amazonaws.com"
    }  # type: ignore[index]

    github_trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {
                    "Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
                },
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringLike": {
                        "token.actions.githubusercontent.com:sub": "repo:acme/platform:*"
                    }
                },
            }
        ],
    }
    (moto_account.workspace / "trust.json").write_text(json.dumps(github_trust))
    moto_account.apply(moto_account.plan("iam role create deployer --trust trust.json"))
    assert iam.get_role(moto_account.session, "deployer").trust_policy == github_trust  # type: ignore[union-attr]

    (moto_account.workspace / "trust.json").write_text("{}")
    assert "Version" in moto_account.refused("iam role create other --trust trust.json").title
    (moto_account.workspace / "trust.json").write_text(
        json.dumps(
            {**github_trust, "Statement": [{**github_trust["Statement"][0], "Resource": "*"}]}
        )
    )
    assert (
        "has no Resource" in moto_account.refused("iam role create other --trust trust.json").title
    )
    assert "Say who may assume" in moto_account.refused("iam role create other").title
    assert (
        "service principal"
        in moto_account.refused("iam role create other --service evil.example.com").title
    )

    refused = moto_account.refused("iam role delete app")
    assert "attached policy" in refused.title
    entries = moto_account.plan("iam role delete app --force")
    assert [e.operation for e in entries] == ["iam.detach_policy", "iam.delete_role"]
    moto_account.apply(entries)
    assert iam.get_role(moto_account.session, "app") is None


def test_policy_create_attach_detach_delete(moto_account: Account, people: dict[str, str]) -> None:
    (moto_account.workspace / "deploy.json").write_text(json.dumps(POLICY))
    entries = moto_account.plan("iam policy create deploy deploy.json --description 'Deploys'")
    assert "Its document" in moto_account.run("iam policy create deploy2 deploy.json").text
    moto_account.apply(entries)
    detail = iam.policy_detail(moto_account.session, "deploy")
    assert detail.document == POLICY
    assert (
        "already a customer managed policy"
        in moto_account.refused("iam policy create deploy deploy.json").title
    )

    attach = moto_account.plan("iam policy attach deploy --group devs")
    assert iam.policy_detail(moto_account.session, "deploy").groups == []
    moto_account.apply(attach)
    assert iam.policy_detail(moto_account.session, "deploy").groups == ["devs"]
    assert "already attached" in moto_account.refused("iam policy attach deploy --group devs").title
    assert "no IAM role" in moto_account.refused("iam policy attach deploy --role ghost").title
    assert (
        "one of --user"
        in moto_account.refused("iam policy attach deploy --user dev --role x").title
    )

    moto_account.client("iam").create_policy_version(
        PolicyArn=detail.policy.arn, PolicyDocument=json.dumps(POLICY), SetAsDefault=True
    )
    assert "attached to group devs" in moto_account.refused("iam policy delete deploy").title
    entries = moto_account.plan(f"iam policy delete {detail.policy.arn} --force")
    assert [e.operation for e in entries] == [
        "iam.detach_policy",
        "iam.delete_policy_version",
        "iam.delete_policy",
    ]
    moto_account.apply(entries)
    assert "no customer managed policy" in moto_account.refused("iam policy show deploy").title
    refused = moto_account.refused("iam policy delete arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert "ReadOnlyAccess" in refused.title


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[]", "JSON object"),
        (json.dumps({**POLICY, "Version": "2020-01-01"}), "Version"),
        (json.dumps({**POLICY, "Statement": "allow all"}), "Statement list"),
        (
            json.dumps({**POLICY, "Statement": [{"Effect": "Allow", "Resource": "*"}]}),
            "Action or NotAction",
        ),
        (
            json.dumps(
                {
                    **POLICY,
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:*",
                            "NotAction": "s3:Get*",
                            "Resource": "*",
                        }
                    ],
                }
            ),
            "exactly one of Action",
        ),
        (
            json.dumps({**POLICY, "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}),
            "Resource or NotResource",
        ),
        (
            json.dumps(
                {
                    **POLICY,
                    "Statement": [
                        {"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Principal": "*"}
                    ],
                }
            ),
            "no Principal",
        ),
        (json.dumps({**POLICY, "Extra": 1}), "unknown top-level"),
        (
            json.dumps({**POLICY, "Statement": [{**POLICY["Statement"][0], "Sid": "has space"}]}),
            "Sid",
        ),
    ],
)
def test_policy_documents_are_validated(
    moto_account: Account,
    document: str,
    message: str,
) -> None:
    (moto_account.workspace / "bad-policy.json").write_text(document)
    assert message in moto_account.refused("iam policy create bad bad-policy.json").title
    with pytest.raises(BadInput, match=message):
        validate_policy(document, "identity")


def test_access_keys_go_only_to_repository_secrets(
    moto_account: Account,
    people: dict[str, str],
    github: Any,
) -> None:
    moto_account.client("iam").create_user(UserName="ci")
    entries = moto_account.plan("iam keys create ci --secret ci_aws")
    assert "CI_AWS_ACCESS_KEY_ID and CI_AWS_SECRET_ACCESS_KEY" in entries[0].description
    assert iam.list_access_keys(moto_account.session, "ci") == []
    (line,) = moto_account.apply(entries, gh=github_client(github))
    (key,) = iam.list_access_keys(moto_account.session, "ci")
    assert github.secret_value(REPO, "CI_AWS_ACCESS_KEY_ID") == key.id
    secret = github.secret_value(REPO, "CI_AWS_SECRET_ACCESS_KEY")
    assert secret and len(secret) == 40
    assert "CI_AWS_SECRET_ACCESS_KEY" in line and key.suffix in line
    assert not any(secret in text or key.id in text for text in moto_account.posted)

    rotate = moto_account.plan("iam keys rotate ci --secret CI_AWS")
    assert [e.operation for e in rotate] == ["iam.create_access_key", "iam.update_access_key"]
    assert rotate[1].args["access_key"] == key.id.lower()  # the AKIA shape would be redacted
    moto_account.apply(rotate, gh=github_client(github))
    old, new = iam.list_access_keys(moto_account.session, "ci")
    assert (old.id, old.status, new.status) == (key.id, "Inactive", "Active")
    assert github.secret_value(REPO, "CI_AWS_ACCESS_KEY_ID") == new.id
    new_secret = github.secret_value(REPO, "CI_AWS_SECRET_ACCESS_KEY")
    assert new_secret != secret
    assert not any(new_secret in text or new.id in text for text in moto_account.posted)  # type: ignore[operator]

    assert "2 access keys" in moto_account.refused("iam keys rotate ci --secret CI_AWS").title
    assert "2 access keys" in moto_account.refused("iam keys create ci --secret CI_AWS").title
    assert "is active" in moto_account.refused(f"iam keys delete ci {new.suffix}").title
    moto_account.apply(moto_account.plan(f"iam keys delete ci {old.suffix}"))
    moto_account.apply(moto_account.plan(f"iam keys deactivate ci {new.id}"))
    assert iam.list_access_keys(moto_account.session, "ci")[0].status == "Inactive"
    assert moto_account.run(f"iam keys deactivate ci {new.suffix}").title.endswith(
        "already Inactive"
    )
    moto_account.apply(moto_account.plan(f"iam keys activate ci {new.suffix}"))
    assert iam.list_access_keys(moto_account.session, "ci")[0].status == "Active"
    assert "no access key ending" in moto_account.refused("iam keys deactivate ci ZZZZ").title
    assert "--secret" in moto_account.refused("iam keys create ci").title
    assert "GITHUB_" in moto_account.refused("iam keys create ci --secret github_x").title
    idle = moto_account.client("iam")
    idle.create_user(UserName="idle")
    idle_key = idle.create_access_key(UserName="idle")["AccessKey"]["AccessKeyId"]
    idle.update_access_key(UserName="idle", AccessKeyId=idle_key, Status="Inactive")
    assert "no active access key" in moto_account.refused("iam keys rotate idle --secret X").title


def test_a_key_that_cannot_be_stored_is_deleted_again(
    moto_account: Account,
    people: dict[str, str],
    github: Any,
) -> None:
    moto_account.client("iam").create_user(UserName="ci2")
    entries = moto_account.plan("iam keys create ci2 --secret CI2")
    github.fail_next("PUT", r"/actions/secrets/CI2_SECRET_ACCESS_KEY", status=404)
    with pytest.raises(Exception, match="CI2_SECRET_ACCESS_KEY"):
        moto_account.apply(entries, gh=github_client(github))
    assert iam.list_access_keys(moto_account.session, "ci2") == []
    github.fail_next("GET", r"/actions/secrets/public-key", status=404)
    with pytest.raises(Exception, match="public key"):
        moto_account.apply(entries, gh=github_client(github))
    assert iam.list_access_keys(moto_account.session, "ci2") == []
