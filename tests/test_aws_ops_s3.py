"""S3 operations: buckets, uploads and downloads confined to the workspace, bucket
policies and settings. Every write is planned (nothing changes), then carried out."""

from __future__ import annotations

import itertools
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from test_aws_ops_support import Account, open_account

from devops_agent.aws import s3, workspace_files
from devops_agent.errors import BadInput
from devops_agent.plans import PlanEntry


@pytest.fixture(scope="module")
def moto_account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    yield from open_account(tmp_path_factory)


@pytest.fixture(scope="module")
def buckets(moto_account: Account) -> dict[str, str]:
    """``assets`` (two objects, versioned), ``logs`` and ``empty`` in us-east-1."""
    c = moto_account.client("s3")
    for name in ("ops-assets", "ops-logs", "ops-empty"):
        c.create_bucket(Bucket=name)
    c.put_bucket_versioning(Bucket="ops-assets", VersioningConfiguration={"Status": "Enabled"})
    c.put_object(Bucket="ops-assets", Key="index.html", Body=b"<h1>hi</h1>")
    c.put_object(Bucket="ops-assets", Key="index.html", Body=b"<h1>hello</h1>")
    c.put_object(Bucket="ops-assets", Key="css/site.css", Body=b"body{}")
    return {"assets": "ops-assets", "logs": "ops-logs", "empty": "ops-empty"}


def _exists(account: Account, bucket: str) -> bool:
    return s3.bucket_owner_region(account.session, bucket) is not None


def test_create_bucket_in_a_region(moto_account: Account, buckets: dict[str, str]) -> None:
    entries = moto_account.plan("s3 create ops-new-eu --region eu-west-1")
    assert entries[0].args == {"bucket": "ops-new-eu", "region": "eu-west-1"}
    assert not _exists(moto_account, "ops-new-eu")
    moto_account.apply(entries)
    assert s3.bucket_owner_region(moto_account.session, "ops-new-eu") == "eu-west-1"
    assert "already exists" in moto_account.refused("s3 create ops-new-eu").title
    for bad in ("Ops_Upper", "ab", "192.168.1.1", "xn--bucket", "a..b"):
        assert "not a valid new bucket name" in moto_account.refused(f"s3 create {bad}").title
    assert (
        "one region at a time"
        in moto_account.refused("s3 create ops-x --region us-east-1,eu-west-1").title
    )


def test_delete_refuses_a_full_bucket_unless_asked(
    moto_account: Account, buckets: dict[str, str]
) -> None:
    refused = moto_account.refused(f"s3 delete {buckets['assets']}")
    assert "not empty" in refused.title and "--delete-objects" in refused.text
    entries = moto_account.plan(f"s3 delete {buckets['assets']} --delete-objects")
    assert entries[0].args == {
        "bucket": buckets["assets"],
        "bucket_region": "us-east-1",
        "delete_objects": True,
    }
    assert _exists(moto_account, buckets["assets"])
    (line,) = moto_account.apply(entries)
    assert "after deleting 3 object versions" in line
    assert not _exists(moto_account, buckets["assets"])
    empty = moto_account.plan(f"s3 delete {buckets['empty']}")
    assert empty[0].args["delete_objects"] is False
    moto_account.apply(empty)
    assert not _exists(moto_account, buckets["empty"])
    assert "no bucket s3://nope-nope" in moto_account.refused("s3 delete nope-nope").title


def test_delete_without_the_flag_never_empties_a_bucket(moto_account: Account) -> None:
    """An object that appears after an empty bucket was planned keeps the bucket alive."""
    moto_account.client("s3").create_bucket(Bucket="ops-race")
    entries = moto_account.plan("s3 delete ops-race")
    moto_account.client("s3").put_object(Bucket="ops-race", Key="late.txt", Body=b"x")
    with pytest.raises(Exception, match="not empty"):
        moto_account.apply(entries)
    assert _exists(moto_account, "ops-race")


def test_upload_from_the_workspace(moto_account: Account, buckets: dict[str, str]) -> None:
    (moto_account.workspace / "dist").mkdir(exist_ok=True)
    (moto_account.workspace / "dist" / "app.zip").write_bytes(b"PK\x03\x04 zip bytes")
    entries = moto_account.plan(f"s3 upload dist/app.zip s3://{buckets['logs']}/releases/")
    (entry,) = entries
    assert entry.args["key"] == "releases/app.zip" and entry.args["file"]["size"] == 14
    assert s3.head_object(moto_account.session, buckets["logs"], "releases/app.zip") is None
    moto_account.apply(entries)
    body = moto_account.client("s3").get_object(Bucket=buckets["logs"], Key="releases/app.zip")
    assert body["Body"].read() == b"PK\x03\x04 zip bytes"
    assert body["ContentType"] == "application/zip"
    refused = moto_account.refused(
        f"s3 upload dist/app.zip s3://{buckets['logs']}/releases/app.zip"
    )
    assert "--force" in refused.title
    assert moto_account.plan(
        f"s3 upload dist/app.zip s3://{buckets['logs']}/releases/app.zip --force"
    )


def test_upload_refuses_a_file_changed_since_the_plan(
    moto_account: Account, buckets: dict[str, str]
) -> None:
    path = moto_account.workspace / "notes.txt"
    path.write_text("planned")
    entries = moto_account.plan(f"s3 upload notes.txt s3://{buckets['logs']}/notes.txt")
    path.write_text("changed afterwards")
    with pytest.raises(BadInput, match="changed since it was planned"):
        moto_account.apply(entries)
    assert s3.head_object(moto_account.session, buckets["logs"], "notes.txt") is None


def test_paths_stay_inside_the_workspace(
    moto_account: Account, buckets: dict[str, str], tmp_path: Path
) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("outside")
    (moto_account.workspace / "link").unlink(missing_ok=True)
    os.symlink(outside, moto_account.workspace / "link")
    target = f"s3://{buckets['logs']}/x"
    assert "uses '..'" in moto_account.refused(f"s3 upload ../secret.txt {target}").title
    assert "absolute path" in moto_account.refused(f"s3 upload {outside} {target}").title
    assert "outside the workspace" in moto_account.refused(f"s3 upload link {target}").title
    assert "no file" in moto_account.refused(f"s3 upload missing.bin {target}").title
    (moto_account.workspace / "plain.txt").write_text("x")
    assert "not an S3 location" in moto_account.refused("s3 upload plain.txt ops-logs/x").title
    assert (
        "outside the workspace" in moto_account.refused(f"s3 download {target} link --force").title
    )
    assert "uses '..'" in moto_account.refused(f"s3 download {target} ../x").title
    assert outside.read_text() == "outside"


def test_oversize_files_are_refused(moto_account: Account, buckets: dict[str, str]) -> None:
    big = moto_account.workspace / "big.bin"
    with big.open("wb") as handle:  # sparse: 100 MiB + 1 byte without writing them
        handle.truncate(workspace_files.MAX_TRANSFER_BYTES + 1)
    refused = moto_account.refused(f"s3 upload big.bin s3://{buckets['logs']}/big.bin")
    assert "at most 100 MiB" in refused.title
    big.unlink()


def test_download_into_the_workspace(
    moto_account: Account,
    buckets: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    moto_account.client("s3").put_object(
        Bucket=buckets["logs"], Key="reports/june.csv", Body=b"a,b\n1,2\n"
    )
    result = moto_account.run(f"s3 download s3://{buckets['logs']}/reports/june.csv out/june.csv")
    assert result.status == "success" and result.data["size"] == 8
    target = moto_account.workspace / "out" / "june.csv"
    assert target.read_bytes() == b"a,b\n1,2\n"
    target.write_text("mine")
    assert (
        "--force"
        in moto_account.refused(
            f"s3 download s3://{buckets['logs']}/reports/june.csv out/june.csv"
        ).title
    )
    assert target.read_text() == "mine"
    moto_account.run(f"s3 download s3://{buckets['logs']}/reports/june.csv out/june.csv --force")
    assert target.read_bytes() == b"a,b\n1,2\n"
    assert (
        "no such key" in moto_account.refused(f"s3 download s3://{buckets['logs']}/nope.csv").title
    )
    monkeypatch.setattr(workspace_files, "MAX_TRANSFER_BYTES", 4)
    assert (
        "at most"
        in moto_account.refused(
            f"s3 download s3://{buckets['logs']}/reports/june.csv small.csv"
        ).title
    )
    assert not (moto_account.workspace / "small.csv").exists()
    assert not [
        p for p in (moto_account.workspace).iterdir() if p.name.startswith(".devops-agent-")
    ]


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "ReadOnlyFromCI",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:role/ci"},
            "Action": ["s3:GetObject"],
            "Resource": "arn:aws:s3:::ops-logs/*",
        }
    ],
}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"Statement": POLICY["Statement"]}), '"Version": "2012-10-17"'),
        (json.dumps({**POLICY, "Statement": []}), "non-empty Statement"),
        (
            json.dumps({**POLICY, "Statement": [{**POLICY["Statement"][0], "Effect": "Maybe"}]}),
            "Effect",
        ),
        (
            json.dumps(
                {
                    **POLICY,
                    "Statement": [
                        {k: v for k, v in POLICY["Statement"][0].items() if k != "Principal"}
                    ],
                }
            ),
            "Principal",
        ),
        (
            json.dumps(
                {
                    **POLICY,
                    "Statement": [{**POLICY["Statement"][0], "Resource": "arn:aws:s3:::other/*"}],
                }
            ),
            "is not s3://ops-logs",
        ),
        (
            json.dumps(
                {**POLICY, "Statement": [{**POLICY["Statement"][0], "Action": "GetObject"}]}
            ),
            "not an action",
        ),
    ],
)
def test_policy_set_validates_before_planning(
    moto_account: Account,
    buckets: dict[str, str],
    document: str,
    message: str,
) -> None:
    (moto_account.workspace / "policy.json").write_text(document)
    assert message in moto_account.refused(f"s3 policy set {buckets['logs']} policy.json").title


def test_policy_set_and_delete(moto_account: Account, buckets: dict[str, str]) -> None:
    (moto_account.workspace / "bucket-policy.json").write_text(json.dumps(POLICY, indent=4))
    entries = moto_account.plan(f"s3 policy set {buckets['logs']} bucket-policy.json")
    assert s3.get_bucket_policy(moto_account.session, buckets["logs"]) is None
    moto_account.apply(entries)
    assert json.loads(s3.get_bucket_policy(moto_account.session, buckets["logs"]) or "{}") == POLICY
    shown = moto_account.run(f"s3 policy {buckets['logs']}")
    assert "ReadOnlyFromCI" in shown.text
    entries = moto_account.plan(f"s3 policy delete {buckets['logs']}")
    moto_account.apply(entries)
    assert s3.get_bucket_policy(moto_account.session, buckets["logs"]) is None
    assert (
        moto_account.run(f"s3 policy delete {buckets['logs']}").status == "success"
    )  # nothing to do


LOG_DELIVERY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "logging.s3.amazonaws.com"},
            "Action": "s3:PutObject",
            "Resource": "arn:aws:s3:::ops-access-logs/*",
        }
    ],
}


def test_bucket_settings_read_then_change(moto_account: Account) -> None:
    name, logs = "ops-settings", "ops-access-logs"
    moto_account.client("s3").create_bucket(Bucket=name)
    moto_account.client("s3").create_bucket(Bucket=logs)
    warned = moto_account.plan(f"s3 logging {name} --target {logs}")
    assert "logging.s3.amazonaws.com" in warned[0].description
    moto_account.client("s3").put_bucket_policy(Bucket=logs, Policy=json.dumps(LOG_DELIVERY))
    assert moto_account.run(f"s3 versioning {name}").data["versioning"] == "Disabled"
    assert moto_account.run(f"s3 encryption {name}").data["algorithm"] is None
    assert moto_account.run(f"s3 public-access {name}").data["public_access_block"] is None
    assert moto_account.run(f"s3 tags {name}").data["tags"] == {}
    assert moto_account.run(f"s3 lifecycle {name}").data["rules"] == []
    assert moto_account.run(f"s3 logging {name}").data["target"] is None

    plans = [
        moto_account.plan(f"s3 versioning {name} on"),
        moto_account.plan(f"s3 encryption {name} sse-kms --kms-key alias/data"),
        moto_account.plan(f"s3 public-access {name} block"),
        moto_account.plan(f"s3 tags {name} team=data env=prod"),
        moto_account.plan(f"s3 lifecycle {name} --expire-days 30 --prefix tmp/"),
        moto_account.plan(f"s3 logging {name} --target {logs}"),
    ]
    settings = s3.describe_bucket(moto_account.session, name)
    assert settings.versioning == "Disabled" and settings.encryption is None and not settings.tags
    for entries in plans:
        moto_account.apply(entries)
    settings = s3.describe_bucket(moto_account.session, name)
    assert settings.versioning == "Enabled"
    assert (settings.encryption, settings.kms_key) == ("aws:kms", "alias/data")
    assert settings.public_access_block == dict.fromkeys(s3.PUBLIC_ACCESS_BLOCK, True)
    assert settings.tags == {"team": "data", "env": "prod"}
    (rule,) = settings.lifecycle_rules
    assert rule["Expiration"] == {"Days": 30} and rule["ID"] == "expire-tmp-30d"
    assert (settings.logging_target, settings.logging_prefix) == (logs, f"{name}/")
    described = moto_account.run(f"s3 describe {name}")
    assert ["Versioning", "Enabled"] in described.tables[0].rows

    moto_account.apply(moto_account.plan(f"s3 tags {name} env=staging --remove team"))
    assert s3.get_tags(moto_account.session, name) == {"env": "staging"}
    for command in (
        f"s3 versioning {name} off",
        f"s3 encryption {name} off",
        f"s3 public-access {name} unblock",
        f"s3 lifecycle {name} --clear",
        f"s3 logging {name} --off",
    ):
        moto_account.apply(moto_account.plan(command))
    settings = s3.describe_bucket(moto_account.session, name)
    assert settings.versioning == "Suspended" and settings.encryption is None
    assert settings.public_access_block is None and settings.lifecycle_rules == []
    assert settings.logging_target is None
    assert moto_account.run(f"s3 versioning {name} off").title.endswith("already Suspended")


def test_lifecycle_from_a_file_is_checked(moto_account: Account, buckets: dict[str, str]) -> None:
    rules = {
        "Rules": [{"ID": "old", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 365}}]
    }
    (moto_account.workspace / "lifecycle.json").write_text(json.dumps(rules))
    entries = moto_account.plan(f"s3 lifecycle {buckets['logs']} lifecycle.json")
    moto_account.apply(entries)
    assert s3.get_lifecycle(moto_account.session, buckets["logs"])[0]["ID"] == "old"
    (moto_account.workspace / "bad.json").write_text(
        json.dumps({"Rules": [{"Status": "Enabled", "Filter": {}}]})
    )
    assert "has no action" in moto_account.refused(f"s3 lifecycle {buckets['logs']} bad.json").title
    (moto_account.workspace / "bad.json").write_text(
        json.dumps({"Rules": [{"Status": "Enabled", "Expiration": {"Days": "soon"}}]})
    )
    assert "S3's schema" in moto_account.refused(f"s3 lifecycle {buckets['logs']} bad.json").title
    assert (
        "one of FILE"
        in moto_account.refused(f"s3 lifecycle {buckets['logs']} bad.json --clear").title
    )


# --------------------------------------------------------------------------- the catalog


def _fields_in(pattern: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", pattern)) - {"partition", "region", "account"}


def test_every_s3_operation_is_declared_completely() -> None:
    """The catalog, not a scrape of the code: every S3 operation has what it needs."""
    from devops_agent import catalog
    from devops_agent.agent import tools
    from devops_agent.operation import Read, Write

    declared = [op for op in catalog.declarations() if op.service == "s3"]
    assert [op.name for op in declared] == [op.name for op in s3.OPERATIONS]
    usages = [c.usage for op in declared for c in op.commands]
    assert len(usages) == 26 and all(u.startswith("s3 ") for u in usages)
    #: the steps only rollback plans carry: no command, no agent tool, and never planned
    rollback_only = {
        *(f"s3.restore_{setting}" for setting in s3.RESTORABLE),
        "s3.restore_account_public_access",
        "s3.delete_object",
    }
    assert {op.name for op in declared if not op.commands} == rollback_only
    for op in declared:
        assert op.summary, op.name
        if op.name in rollback_only:
            assert isinstance(op, Write) and isinstance(op.agent, str) and op.run is not None
            continue
        assert op.commands, op.name
        if isinstance(op, Read):
            assert op.actions and op.render is not None, op.name
            continue
        assert isinstance(op, Write) and op.run is not None, op.name
        assert op.reads and op.actions and op.arns, op.name
        for pattern in op.arns:
            # "*": an account setting whose action takes no resource-level permissions
            assert pattern == "*" or pattern.startswith("arn:{partition}:s3:::"), pattern
            assert _fields_in(pattern) <= set(op.args.model_fields), (op.name, pattern)
        assert catalog.lookup(op.name) is op
    names = {t.name for t in tools.for_specialist("s3")}
    assert {"list_buckets", "list_objects", "get_bucket_policy", "describe_bucket"} <= names
    assert {"delete_bucket", "upload_object", "set_bucket_versioning"} <= names
    assert not [n for n in names if "download" in n]
    refused = dict(tools.refusals("s3"))
    assert "writes into the workspace" in refused["s3 download s3://BUCKET/KEY [PATH] [--force]"]


def test_list_objects_keeps_its_limits(moto_account: Account, buckets: dict[str, str]) -> None:
    from devops_agent.aws.s3.objects import ListObjectsArgs

    assert ListObjectsArgs(bucket="s3://ops-logs/").bucket == "ops-logs"
    assert ListObjectsArgs(bucket="ops-logs").limit == 100
    for bad in (0, 201):
        with pytest.raises(ValidationError):
            ListObjectsArgs(bucket="ops-logs", limit=bad)
    result = moto_account.run(f"s3 ls {buckets['logs']}")
    assert result.status == "success" and result.data["bucket"] == buckets["logs"]
    assert "Usage: s3 ls BUCKET" in moto_account.refused("s3 ls").text
    assert "does not take --limit" in moto_account.refused("s3 ls ops-logs --limit 5").title


# --------------------------------------------------------------------------- command = tool


def _tool_entries(account: Account, tool: str, arguments: dict[str, Any]) -> list[PlanEntry]:
    from devops_agent.agent.tools import Pending, plan_entries

    entries, problems = plan_entries(
        account.context(), [Pending(tool=tool, arguments=json.dumps(arguments), call_id="x")]
    )
    assert problems == [], problems
    return entries


@pytest.fixture(scope="module")
def same(moto_account: Account) -> str:
    """``ops-same`` with a tag, a policy and a log target beside it, in us-east-1."""
    c = moto_account.client("s3")
    for name in ("ops-same", "ops-same-logs"):
        c.create_bucket(Bucket=name)
    c.put_bucket_tagging(Bucket="ops-same", Tagging={"TagSet": [{"Key": "old", "Value": "1"}]})
    c.put_bucket_policy(Bucket="ops-same", Policy=json.dumps(_policy("ops-same")))
    c.put_bucket_policy(Bucket="ops-same-logs", Policy=json.dumps(_log_delivery("ops-same-logs")))
    (moto_account.workspace / "same.txt").write_text("same")
    (moto_account.workspace / "same-policy.json").write_text(json.dumps(_policy("ops-same")))
    return "ops-same"


@pytest.mark.parametrize(
    ("command", "tool", "arguments"),
    [
        ("s3 create ops-same-new --region eu-west-1", "create_bucket",
         {"bucket": "ops-same-new", "region": "eu-west-1"}),
        ("s3 delete s3://ops-same/ --delete-objects", "delete_bucket",
         {"bucket": "ops-same", "delete_objects": True}),
        ("s3 upload same.txt s3://ops-same/in/", "upload_object",
         {"path": "same.txt", "destination": "s3://ops-same/in/", "overwrite": False}),
        ("s3 policy set ops-same same-policy.json", "set_bucket_policy",
         {"bucket": "ops-same", "file": "same-policy.json"}),
        ("s3 policy delete ops-same", "delete_bucket_policy", {"bucket": "ops-same"}),
        ("s3 versioning ops-same enable", "set_bucket_versioning",
         {"bucket": "ops-same", "versioning": "yes"}),
        ("s3 encryption ops-same kms --kms-key alias/data", "set_bucket_encryption",
         {"bucket": "ops-same", "encryption": "sse-kms", "kms_key": "alias/data"}),
        ("s3 public-access ops-same BLOCK", "set_bucket_public_access",
         {"bucket": "ops-same", "access": "block"}),
        ("s3 tags ops-same team=data --remove old", "set_bucket_tags",
         {"bucket": "ops-same", "tags": [{"key": "team", "value": "data"}], "remove": ["old"]}),
        ("s3 lifecycle ops-same --expire-days 7 --prefix tmp/", "set_bucket_lifecycle",
         {"bucket": "ops-same", "expire_days": 7, "prefix": "tmp/"}),
        ("s3 logging ops-same --target ops-same-logs", "set_bucket_logging",
         {"bucket": "ops-same", "target": "ops-same-logs", "prefix": None, "off": False}),
    ],
)  # fmt: skip
def test_a_command_and_the_agent_plan_the_same_entry(
    moto_account: Account, same: str, command: str, tool: str, arguments: dict[str, Any]
) -> None:
    from devops_agent import catalog

    typed = moto_account.plan(command)
    proposed = _tool_entries(moto_account, tool, arguments)
    assert [e.model_dump() for e in proposed] == [e.model_dump() for e in typed]
    for entry in typed:  # the plan's JSON validates again, to the same arguments
        op, args = catalog.validate(PlanEntry.model_validate_json(entry.model_dump_json()))
        assert args.model_dump(mode="json") == entry.args
        assert op.tool_name == tool


def test_hidden_fields_come_from_the_preview_not_the_caller(
    moto_account: Account, same: str
) -> None:
    """What the apply writes is what the preview found, whatever the call said."""
    (entry,) = _tool_entries(
        moto_account,
        "set_bucket_tags",
        {"bucket": same, "tags": [{"key": "env", "value": "dev"}], "tag_set": {"evil": "x"}},
    )
    assert entry.args["tag_set"] == {"old": "1", "env": "dev"}
    (entry,) = _tool_entries(
        moto_account,
        "upload_object",
        {"path": "same.txt", "destination": f"s3://{same}/x.txt", "key": "../../etc"},
    )
    assert (entry.args["bucket"], entry.args["key"]) == (same, "x.txt")
    # the region the apply sends to (and the session policy allows) is the bucket's own
    (entry,) = _tool_entries(
        moto_account,
        "set_bucket_versioning",
        {"bucket": same, "versioning": "on", "bucket_region": "ap-south-1"},
    )
    assert entry.args["bucket_region"] == "us-east-1"


# --------------------------------------------------------------------------- every state


_NUMBERS = itertools.count(1)
"""Bucket names for parametrized tests: one fresh bucket per case."""


def _unchanged(account: Account, command: str) -> str:
    result = account.run(command)
    assert result.status == "success" and result.exit_code == 0, result.title
    assert "no plan" in result.text and not result.plan_block
    return result.title


def _versioning(account: Account, name: str, start: str | None) -> None:
    account.client("s3").create_bucket(Bucket=name)
    for status in {"Enabled": ["Enabled"], "Suspended": ["Enabled", "Suspended"]}.get(
        start or "", []
    ):
        account.client("s3").put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": status}
        )


@pytest.mark.parametrize(
    ("start", "word", "after"),
    [
        (None, "on", "Enabled"),
        (None, "off", None),
        ("Enabled", "on", None),
        ("Enabled", "suspend", "Suspended"),
        ("Suspended", "no", None),
        ("Suspended", "true", "Enabled"),
    ],
)
def test_versioning_from_every_state(
    moto_account: Account, start: str | None, word: str, after: str | None
) -> None:
    name = f"ops-ver-{(start or 'never').lower()}-{word}"
    _versioning(moto_account, name, start)
    before = start or "Disabled"
    assert moto_account.run(f"s3 versioning {name}").data["versioning"] == before
    if after is None:
        assert _unchanged(moto_account, f"s3 versioning {name} {word}").endswith(
            f"already {before}"
        )
        return
    entries = moto_account.plan(f"s3 versioning {name} {word}")
    assert s3.get_versioning(moto_account.session, name) == before  # planning changed nothing
    moto_account.apply(entries)
    assert s3.get_versioning(moto_account.session, name) == after


def _encryption(account: Account, name: str, start: tuple[str, str | None] | None) -> None:
    account.client("s3").create_bucket(Bucket=name)
    if start is not None:
        default: dict[str, str] = {"SSEAlgorithm": start[0]}
        if start[1]:
            default["KMSMasterKeyID"] = start[1]
        account.client("s3").put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": default}]
            },
        )


NO_KEY: tuple[str, str | None] = ("aws:kms", None)


@pytest.mark.parametrize(
    ("start", "request_", "after"),
    [
        (None, "off", "unchanged"),
        (None, "sse-s3", ("AES256", None)),
        (None, "sse-kms", NO_KEY),
        (None, "sse-kms --kms-key alias/one", ("aws:kms", "alias/one")),
        (("AES256", None), "aes256", "unchanged"),
        (("AES256", None), "sse-kms", NO_KEY),
        (("AES256", None), "off", (None, None)),
        (NO_KEY, "sse-kms", "unchanged"),
        (NO_KEY, "sse-kms --kms-key alias/one", ("aws:kms", "alias/one")),
        (NO_KEY, "sse-s3", ("AES256", None)),
        (NO_KEY, "off", (None, None)),
        (("aws:kms", "alias/one"), "sse-kms --kms-key alias/one", "unchanged"),
        (("aws:kms", "alias/one"), "sse-kms --kms-key alias/two", ("aws:kms", "alias/two")),
        (("aws:kms", "alias/one"), "sse-kms", NO_KEY),
    ],
)
def test_encryption_from_every_state(
    moto_account: Account,
    start: tuple[str, str | None] | None,
    request_: str,
    after: tuple[str | None, str | None] | str,
) -> None:
    name = f"ops-enc-{next(_NUMBERS)}"
    _encryption(moto_account, name, start)
    before = start or (None, None)
    shown = moto_account.run(f"s3 encryption {name}").data
    assert (shown["algorithm"], shown["kms_key"]) == before
    if after == "unchanged":
        _unchanged(moto_account, f"s3 encryption {name} {request_}")
        return
    entries = moto_account.plan(f"s3 encryption {name} {request_}")
    assert s3.get_encryption(moto_account.session, name) == before
    moto_account.apply(entries)
    assert s3.get_encryption(moto_account.session, name) == after


def test_encryption_refusals(moto_account: Account) -> None:
    moto_account.client("s3").create_bucket(Bucket="ops-enc-bad")
    assert (
        "goes with sse-kms"
        in moto_account.refused("s3 encryption ops-enc-bad sse-s3 --kms-key alias/x").title
    )
    assert "expected" in moto_account.refused("s3 encryption ops-enc-bad sse-c").title
    assert "no bucket" in moto_account.refused("s3 encryption ops-enc-nope sse-s3").title


FULL = dict.fromkeys(s3.PUBLIC_ACCESS_BLOCK, True)
PARTIAL = {**dict.fromkeys(s3.PUBLIC_ACCESS_BLOCK, False), "BlockPublicAcls": True}


@pytest.mark.parametrize(
    ("start", "word", "after"),
    [
        (None, "block", FULL),
        (None, "unblock", "unchanged"),
        ("partial", "block", FULL),
        ("partial", "unblock", None),
        ("full", "block", "unchanged"),
        ("full", "unblock", None),
    ],
)
def test_public_access_from_every_state(
    moto_account: Account, start: str | None, word: str, after: dict[str, bool] | str | None
) -> None:
    name = f"ops-pab-{start or 'none'}-{word}"
    moto_account.client("s3").create_bucket(Bucket=name)
    block = {"partial": PARTIAL, "full": FULL}.get(start or "")
    if block is not None:
        moto_account.client("s3").put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=block
        )
    shown = moto_account.run(f"s3 public-access {name}")
    assert shown.data["public_access_block"] == block
    assert shown.title.endswith({None: "not set", "partial": "partly on", "full": "all on"}[start])
    if after == "unchanged":
        _unchanged(moto_account, f"s3 public-access {name} {word}")
        return
    entries = moto_account.plan(f"s3 public-access {name} {word}")
    assert s3.get_public_access_block(moto_account.session, name) == block
    moto_account.apply(entries)
    assert s3.get_public_access_block(moto_account.session, name) == after


def _log_delivery(target: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{target}/*",
            }
        ],
    }


def _policy(bucket: str) -> dict[str, Any]:
    return {
        **POLICY,
        "Statement": [{**POLICY["Statement"][0], "Resource": f"arn:aws:s3:::{bucket}/*"}],
    }


@pytest.fixture(scope="module")
def log_targets(moto_account: Account) -> tuple[str, str]:
    c = moto_account.client("s3")
    for target in ("ops-logs-a", "ops-logs-b"):
        c.create_bucket(Bucket=target)
        c.put_bucket_policy(Bucket=target, Policy=json.dumps(_log_delivery(target)))
    c.create_bucket(
        Bucket="ops-logs-eu", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    return "ops-logs-a", "ops-logs-b"


@pytest.mark.parametrize(
    ("start", "request_", "after"),
    [
        (None, "--off", "unchanged"),
        (None, "--target ops-logs-a", ("ops-logs-a", "{name}/")),
        ("ops-logs-a", "--target ops-logs-a", "unchanged"),
        ("ops-logs-a", "--target ops-logs-a --prefix other/", ("ops-logs-a", "other/")),
        ("ops-logs-a", "--target ops-logs-b", ("ops-logs-b", "{name}/")),
        ("ops-logs-a", "--off", (None, "")),
    ],
)
def test_logging_from_every_state(
    moto_account: Account,
    log_targets: tuple[str, str],
    start: str | None,
    request_: str,
    after: tuple[str | None, str] | str,
) -> None:
    name = f"ops-log-{next(_NUMBERS)}"
    moto_account.client("s3").create_bucket(Bucket=name)
    if start is not None:
        moto_account.client("s3").put_bucket_logging(
            Bucket=name,
            BucketLoggingStatus={
                "LoggingEnabled": {"TargetBucket": start, "TargetPrefix": f"{name}/"}
            },
        )
    before = (start, f"{name}/" if start else "")
    shown = moto_account.run(f"s3 logging {name}").data
    assert (shown["target"], shown["prefix"]) == before
    if after == "unchanged":
        _unchanged(moto_account, f"s3 logging {name} {request_}")
        return
    entries = moto_account.plan(f"s3 logging {name} {request_}")
    assert "logging.s3.amazonaws.com" not in entries[0].description  # the targets allow it
    assert s3.get_logging(moto_account.session, name) == before
    moto_account.apply(entries)
    target, prefix = after
    assert s3.get_logging(moto_account.session, name) == (target, prefix.format(name=name))


def test_logging_refusals(moto_account: Account, log_targets: tuple[str, str]) -> None:
    moto_account.client("s3").create_bucket(Bucket="ops-log-bad")
    assert (
        "same region" in moto_account.refused("s3 logging ops-log-bad --target ops-logs-eu").title
    )
    assert "no bucket" in moto_account.refused("s3 logging ops-log-bad --target ops-log-nope").title
    assert (
        "not both" in moto_account.refused("s3 logging ops-log-bad --target ops-logs-a --off").title
    )


def test_tags_lifecycle_and_policy_when_already_so(moto_account: Account) -> None:
    name = "ops-already"
    moto_account.client("s3").create_bucket(Bucket=name)
    assert "has no tag gone" in moto_account.refused(f"s3 tags {name} --remove gone").title
    moto_account.apply(moto_account.plan(f"s3 tags {name} team=web"))
    assert _unchanged(moto_account, f"s3 tags {name} team=web").endswith("already has those tags")
    assert _unchanged(moto_account, f"s3 lifecycle {name} --clear").endswith("no lifecycle rules")
    moto_account.apply(moto_account.plan(f"s3 lifecycle {name} --expire-days 30"))
    again = moto_account.plan(f"s3 lifecycle {name} --expire-days 30")  # the same rule, replaced
    assert [r["ID"] for r in again[0].args["rules"]] == ["expire-all-30d"]
    assert (
        "goes with --expire-days"
        in moto_account.refused(f"s3 lifecycle {name} --clear --prefix x/").title
    )
    assert _unchanged(moto_account, f"s3 policy delete {name}").endswith("has no bucket policy")
