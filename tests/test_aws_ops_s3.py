"""S3 operations: buckets, uploads and downloads confined to the workspace, bucket
policies and settings. Every write is planned (nothing changes), then carried out."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_aws_ops_support import Account, open_account

from devops_agent.aws import s3, workspace_files
from devops_agent.errors import BadInput


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
    assert entries[0].args == {"bucket": buckets["assets"], "delete_objects": True}
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
