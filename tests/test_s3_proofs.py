"""S3 plans that prove themselves (issue 15), every write, in process against moto.

Each change is planned by its command (the preview), then carried out by the apply's own
``carry`` with a write session of its own, whose requests botocore's event hooks record
(the apply's :class:`~devops_agent.carry.Recorder`). For every write this asserts the
resulting state, never that a function was called:

* what botocore sent is exactly what the operation declared (``calls``), to the bucket's
  own region;
* the post-condition reads back ✅ (``verify``), and reads ❌ when the world is not so;
* the rollback entries (``before``/``undo``) put every setting of the bucket back as it
  was, and a create or an upload is taken back without deleting anyone else's data;
* what cannot be undone says so, and the session policy names exactly the ARNs,
  escaped so a key cannot widen its grant.

The end-to-end runs through the action against moto's server are in
``tests/test_e2e_s3_proofs.py``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from test_aws_ops_support import REPO, Account, Writers, open_account

from devops_agent import carry, catalog, plans, session_policy
from devops_agent.aws import s3
from devops_agent.aws.s3.configuration import raw_setting
from devops_agent.errors import BadInput
from devops_agent.operation import InProgress, NotAsPlanned, PlanEntry, Verified

ACCOUNT = "123456789012"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
_NAMES = itertools.count(1)


@pytest.fixture(scope="module")
def account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    yield from open_account(tmp_path_factory)


class WriteSide:
    """The apply's write session (one per module: botocore loads S3's models once), its
    :class:`~devops_agent.carry.Recorder`, and the region each request went to."""

    def __init__(self) -> None:
        self.session = boto3.Session(region_name="us-east-1")
        self.recorder = carry.Recorder(self.session)
        self.regions: list[tuple[str, str]] = []
        self.session.events.register("before-parameter-build", self._where)

    def _where(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        self.regions.append((model.name, str(context.get("client_region"))))


@pytest.fixture(scope="module")
def write_side(account: Account) -> WriteSide:
    return WriteSide()


@pytest.fixture(autouse=True)
def _write_side_for_apply(write_side: WriteSide, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(_WRITE, "side", write_side)


_WRITE: dict[str, WriteSide] = {}


def fresh(account: Account, region: str = "us-east-1", prefix: str = "proof") -> str:
    """A new, empty bucket in ``region``."""
    name = f"{prefix}-{next(_NAMES)}-{region}"
    params: dict[str, Any] = {"Bucket": name}
    if region != "us-east-1":
        params["CreateBucketConfiguration"] = {"LocationConstraint": region}
    account.client("s3", region).create_bucket(**params)
    return name


def settings_of(account: Account, bucket: str, region: str) -> dict[str, Any]:
    """Every setting a rollback puts back, as the read-back compares it."""
    found = {}
    for setting, spec in s3.RESTORABLE.items():
        found[setting] = spec.same(
            spec.value(raw_setting(account.session, bucket, region, setting))
        )
    return found


class Applied:
    """What ``carry`` did with some entries: outcomes, and each request's region."""

    def __init__(self, outcomes: list[carry.Outcome], regions: list[tuple[str, str]]) -> None:
        self.outcomes = outcomes
        self.regions = regions

    @property
    def undo(self) -> list[PlanEntry]:
        """The rollback plan's entries, last change first (as the apply orders them)."""
        return [e for o in reversed(self.outcomes) for e in o.undo]


def apply(
    account: Account,
    entries: list[PlanEntry],
    *,
    done: set[int] | None = None,
    resumed: bool = False,
) -> Applied:
    """Carry ``entries`` out as an apply does: a write session of its own, recorded."""
    side = _WRITE["side"]
    side.recorder.take()
    side.regions.clear()
    plan = plans.new_plan(entries, repository=REPO, requester="alice", account=ACCOUNT)
    finished = set(done or ())
    outcomes = carry.carry(
        account.context(),
        plan,
        [plans.exact_line(e.operation, e.args) for e in entries],
        Writers(side.session, None, account.workspace, account.context()),
        side.recorder,
        done=finished,
        resumed=resumed,
        record_done=finished.add,
    )
    return Applied(outcomes, list(side.regions))


def _matches(declared: Any, sent: Any) -> bool:
    """A declared parameter and a sent one: equal, or a ``<placeholder>`` for what only the
    apply knows (a file's bytes, the object versions a listing returns)."""
    if isinstance(declared, str) and declared.startswith("<") and declared.endswith(">"):
        return True
    if isinstance(declared, dict):
        return (
            isinstance(sent, dict)
            and declared.keys() == sent.keys()
            and all(_matches(v, sent[k]) for k, v in declared.items())
        )
    if isinstance(declared, list):
        return (
            isinstance(sent, list)
            and len(declared) == len(sent)
            and all(_matches(d, s) for d, s in zip(declared, sent, strict=True))
        )
    return bool(declared == sent)


def assert_sent_as_declared(entry: PlanEntry, outcome: carry.Outcome) -> None:
    """Every request the executor sent is one the entry declared, and every declared
    request that is always sent was sent."""
    declared = session_policy.calls_of(entry)
    assert declared is not None, entry.operation
    used: set[int] = set()
    for request in outcome.calls:
        found = [
            n
            for n, call in enumerate(declared)
            if (call.service, call.operation) == (request["service"], request["operation"])
            and _matches(json.loads(json.dumps(call.params)), request["params"])
        ]
        assert found, (entry.operation, request, [c.line() for c in declared])
        used.update(found)
    always = {n for n, call in enumerate(declared) if not call.when}
    assert always <= used, (entry.operation, [declared[n].line() for n in always - used])


def assert_proved(account: Account, entries: list[PlanEntry], applied: Applied) -> None:
    """Every entry ran, read back ✅ (or ⏳), and sent exactly its declared requests to the
    region its calls name."""
    for entry, outcome in zip(entries, applied.outcomes, strict=True):
        assert outcome.status in ("verified", "in-progress"), (outcome.status, outcome.line)
        assert_sent_as_declared(entry, outcome)
        regions = {c.region for c in session_policy.calls_of(entry) or []}
        sent = {r for op, r in applied.regions if op in {c["operation"] for c in outcome.calls}}
        assert sent <= regions, (entry.operation, sent, regions)


# --------------------------------------------------------------------------- the settings


Setup = Callable[[Account, str, str], None]


def _grant_everyone(account: Account, bucket: str, region: str) -> None:
    c = account.client("s3", region)
    c.put_bucket_ownership_controls(
        Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]}
    )
    acl = c.get_bucket_acl(Bucket=bucket)
    c.put_bucket_acl(
        Bucket=bucket,
        AccessControlPolicy={
            "Owner": acl["Owner"],
            "Grants": [
                *acl["Grants"],
                {"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"},
            ],
        },
    )


def _policy(bucket: str, sid: str = "ReadSite") -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": sid,
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                }
            ],
        }
    )


def _logs_to_itself(account: Account, bucket: str, region: str) -> None:
    c = account.client("s3", region)
    delivery = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "logging.s3.amazonaws.com"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }
    c.put_bucket_policy(Bucket=bucket, Policy=json.dumps(delivery))
    c.put_bucket_logging(
        Bucket=bucket,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": bucket, "TargetPrefix": "self/"}},
    )


def _kms(account: Account, bucket: str, region: str) -> None:
    account.client("s3", region).put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": "alias/old",
                    },
                    "BucketKeyEnabled": False,
                }
            ]
        },
    )


SCENARIOS: list[tuple[str, Setup, str, int]] = [
    # (what, set the bucket up, the command — BUCKET is the bucket —, entries planned)
    ("versioning on, never on before", lambda a, b, r: None, "s3 versioning BUCKET on", 1),
    (
        "versioning off",
        lambda a, b, r: a.client("s3", r).put_bucket_versioning(
            Bucket=b, VersioningConfiguration={"Status": "Enabled"}
        ),
        "s3 versioning BUCKET off",
        1,
    ),
    ("SSE-KMS over another key", _kms, "s3 encryption BUCKET sse-kms --kms-key alias/new", 1),
    ("encryption setting removed", _kms, "s3 encryption BUCKET off", 1),
    (
        "a partial public access block made whole",
        lambda a, b, r: a.client("s3", r).put_public_access_block(
            Bucket=b, PublicAccessBlockConfiguration={"BlockPublicAcls": True}
        ),
        "s3 public-access BUCKET block",
        1,
    ),
    (
        "a public access block removed",
        lambda a, b, r: a.client("s3", r).put_public_access_block(
            Bucket=b, PublicAccessBlockConfiguration=dict.fromkeys(s3.PUBLIC_ACCESS_BLOCK, True)
        ),
        "s3 public-access BUCKET unblock",
        1,
    ),
    ("a public ACL made private", _grant_everyone, "s3 acl BUCKET private", 1),
    ("ACLs disabled over a public grant", _grant_everyone, "s3 acls BUCKET disable", 2),
    (
        "tags changed and removed",
        lambda a, b, r: a.client("s3", r).put_bucket_tagging(
            Bucket=b,
            Tagging={"TagSet": [{"Key": "old", "Value": "1"}, {"Key": "team", "Value": "web"}]},
        ),
        "s3 tags BUCKET team=data --remove old",
        1,
    ),
    (
        "every tag removed",
        lambda a, b, r: a.client("s3", r).put_bucket_tagging(
            Bucket=b, Tagging={"TagSet": [{"Key": "old", "Value": "1"}]}
        ),
        "s3 tags BUCKET --remove old",
        1,
    ),
    (
        "an expiration rule added beside another",
        lambda a, b, r: a.client("s3", r).put_bucket_lifecycle_configuration(
            Bucket=b,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": "old-logs",
                        "Status": "Enabled",
                        "Filter": {"Prefix": "logs/"},
                        "Expiration": {"Days": 30},
                    }
                ]
            },
        ),
        "s3 lifecycle BUCKET --expire-days 7 --prefix tmp/",
        1,
    ),
    (
        "lifecycle rules cleared",
        lambda a, b, r: a.client("s3", r).put_bucket_lifecycle_configuration(
            Bucket=b,
            LifecycleConfiguration={
                "Rules": [{"ID": "x", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 9}}]
            },
        ),
        "s3 lifecycle BUCKET --clear",
        1,
    ),
    ("access logging turned off", _logs_to_itself, "s3 logging BUCKET --off", 1),
    ("a policy set where there was none", lambda a, b, r: None, "s3 policy set BUCKET FILE", 1),
    (
        "a policy removed",
        lambda a, b, r: a.client("s3", r).put_bucket_policy(Bucket=b, Policy=_policy(b)),
        "s3 policy delete BUCKET",
        1,
    ),
    (
        "TLS required beside a policy",
        lambda a, b, r: a.client("s3", r).put_bucket_policy(Bucket=b, Policy=_policy(b)),
        "s3 policy require-tls BUCKET",
        1,
    ),
]


@pytest.mark.parametrize(
    ("what", "setup", "command", "count", "region"),
    # every other bucket in eu-west-1: requests go to the bucket's region, whatever the default
    [(*s, ("us-east-1", "eu-west-1")[n % 2]) for n, s in enumerate(SCENARIOS)],
    ids=[s[0] for s in SCENARIOS],
)
def test_a_setting_change_is_sent_as_declared_verified_and_rolled_back_exactly(
    account: Account, what: str, setup: Setup, command: str, count: int, region: str
) -> None:
    bucket = fresh(account, region)
    setup(account, bucket, region)
    (account.workspace / f"{bucket}.json").write_text(_policy(bucket, "FromFile"))
    before = settings_of(account, bucket, region)
    entries = account.plan(command.replace("BUCKET", bucket).replace("FILE", f"{bucket}.json"))
    assert len(entries) == count
    assert all(e.args["bucket_region"] == region for e in entries)
    for entry in entries:  # reversible: nothing says otherwise before approval
        op, args = catalog.validate(entry)
        assert not op.warning(args), entry.operation

    applied = apply(account, entries)
    assert_proved(account, entries, applied)
    after = settings_of(account, bucket, region)
    assert after != before

    back = applied.undo
    assert back and all(e.operation.startswith("s3.restore_") for e in back)
    undone = apply(account, back)
    assert_proved(account, back, undone)
    assert settings_of(account, bucket, region) == before
    # and the rollback has its own way back: to the change again
    again = apply(account, undone.undo)
    assert_proved(account, undone.undo, again)
    assert settings_of(account, bucket, region) == after


def test_logging_to_a_target_and_back(account: Account) -> None:
    """Turned on, read back with its target and prefix; rolled back, off again."""
    bucket, logs = fresh(account), fresh(account, prefix="logs")
    _logs_to_itself(account, logs, "us-east-1")  # its policy lets S3 deliver logs
    entries = account.plan(f"s3 logging {bucket} --target {logs} --prefix in/")
    applied = apply(account, entries)
    assert_proved(account, entries, applied)
    assert s3.get_logging(account.session, bucket) == (logs, "in/")
    assert "logs access to" in applied.outcomes[0].read
    undone = apply(account, applied.undo)
    assert_proved(account, applied.undo, undone)
    assert s3.get_logging(account.session, bucket) == (None, "")


def test_the_rollback_of_versioning_never_on_suspends_it_and_says_why(account: Account) -> None:
    bucket = fresh(account)
    applied = apply(account, account.plan(f"s3 versioning {bucket} on"))
    (back,) = applied.undo
    assert back.args["value"] == {"Status": "Suspended"}
    assert "never turned on (S3 can only suspend it" in back.description
    apply(account, [back])
    assert s3.get_versioning(account.session, bucket) == "Suspended"


def test_a_change_that_changed_nothing_leaves_no_rollback(account: Account) -> None:
    """Planned while off; someone turned it on before the apply: nothing to undo."""
    bucket = fresh(account)
    entries = account.plan(f"s3 versioning {bucket} on")
    account.client("s3").put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}
    )
    applied = apply(account, entries)
    assert applied.outcomes[0].status == "verified" and applied.undo == []


# --------------------------------------------------------------------------- verification


def _flip_back(account: Account, bucket: str) -> None:
    account.client("s3").put_bucket_versioning(
        Bucket=bucket, VersioningConfiguration={"Status": "Suspended"}
    )


@pytest.mark.parametrize(
    ("command", "undo_it", "read"),
    [
        ("s3 versioning BUCKET on", _flip_back, "versioning of s3://BUCKET is Suspended"),
        (
            "s3 public-access BUCKET block",
            lambda a, b: a.client("s3").delete_public_access_block(Bucket=b),
            "no public access block of its own",
        ),
        (
            "s3 tags BUCKET team=data",
            lambda a, b: a.client("s3").delete_bucket_tagging(Bucket=b),
            "s3://BUCKET has no tags",
        ),
        (
            "s3 encryption BUCKET sse-kms --kms-key alias/k",
            lambda a, b: a.client("s3").put_bucket_encryption(
                Bucket=b,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            ),
            "is SSE-S3",
        ),
        (
            "s3 policy require-tls BUCKET",
            lambda a, b: a.client("s3").delete_bucket_policy(Bucket=b),
            "has no bucket policy",
        ),
        (
            "s3 acl BUCKET private",
            lambda a, b: _grant_everyone(a, b, "us-east-1"),
            "still grants READ to everyone",
        ),
    ],
)
def test_a_read_back_that_differs_is_not_as_planned(
    account: Account, command: str, undo_it: Callable[[Account, str], None], read: str
) -> None:
    """The change went through, then the world moved: the read-back says what it read."""
    bucket = fresh(account)
    if "acl" in command:
        _grant_everyone(account, bucket, "us-east-1")
    (entry,) = account.plan(command.replace("BUCKET", bucket))
    op, args = catalog.validate(entry)
    apply(account, [entry])
    assert isinstance(op.verify(account.context(), args), Verified)
    undo_it(account, bucket)
    found = op.verify(account.context(), args)
    assert isinstance(found, NotAsPlanned) and read.replace("BUCKET", bucket) in found.what


def test_removed_encryption_reads_back_as_aws_answers_it(account: Account) -> None:
    """AWS answers SSE-S3 for a bucket whose setting was removed; both read as removed."""
    bucket = fresh(account)
    _kms(account, bucket, "us-east-1")
    (entry,) = account.plan(f"s3 encryption {bucket} off")
    op, args = catalog.validate(entry)
    apply(account, [entry])
    assert isinstance(op.verify(account.context(), args), Verified)
    account.client("s3").put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    assert isinstance(op.verify(account.context(), args), Verified)


# --------------------------------------------------------------------------- create, delete


def test_a_create_is_verified_in_its_region_and_its_undo_deletes_it_empty(
    account: Account,
) -> None:
    name = f"proof-new-{next(_NAMES)}"
    entries = account.plan(f"s3 create {name} --region eu-west-1")
    applied = apply(account, entries)
    assert_proved(account, entries, applied)
    assert applied.outcomes[0].read == f"s3://{name} exists in eu-west-1"
    assert [r for op, r in applied.regions if op == "CreateBucket"] == ["eu-west-1"]
    (back,) = applied.undo
    assert back.operation == "s3.delete_bucket"
    assert back.args == {"bucket": name, "bucket_region": "eu-west-1", "delete_objects": False}
    op, args = catalog.validate(back)
    assert "cannot be undone" in op.warning(args)  # the rollback says so before approval
    # resumed after the create happened: verified first, never created again
    again = apply(account, entries, resumed=True)
    assert again.outcomes[0].status == "already" and not again.outcomes[0].calls
    # anything put in it since keeps it: S3 refuses, nothing is deleted
    account.client("s3", "eu-west-1").put_object(Bucket=name, Key="kept.txt", Body=b"x")
    refused = apply(account, [back])
    assert refused.outcomes[0].status == "failed" and "not empty" in refused.outcomes[0].line
    account.client("s3", "eu-west-1").delete_object(Bucket=name, Key="kept.txt")
    gone = apply(account, [back])
    assert_proved(account, [back], gone)
    assert s3.bucket_owner_region(account.session, name) is None


def test_a_bucket_made_by_someone_else_meanwhile_is_not_rolled_back(account: Account) -> None:
    name = f"proof-race-{next(_NAMES)}"
    entries = account.plan(f"s3 create {name}")
    account.client("s3").create_bucket(Bucket=name)
    applied = apply(account, entries)
    assert applied.outcomes[0].status == "verified" and applied.undo == []


@pytest.mark.parametrize("versioned", [False, True])
def test_a_delete_says_it_is_irreversible_and_leaves_nothing(
    account: Account, versioned: bool
) -> None:
    bucket = fresh(account, "eu-west-1")
    c = account.client("s3", "eu-west-1")
    if versioned:
        c.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for key in ("a.txt", "b.txt", "a.txt"):
        c.put_object(Bucket=bucket, Key=key, Body=key.encode())
    entries = account.plan(f"s3 delete {bucket} --delete-objects")
    op, args = catalog.validate(entries[0])
    warning = op.warning(args)
    assert "cannot be undone" in warning and "deleted first, permanently" in warning
    applied = apply(account, entries)
    assert_proved(account, entries, applied)
    assert [c["operation"] for c in applied.outcomes[0].calls] == [
        "ListObjectVersions",
        "DeleteObjects",
        "DeleteBucket",
    ]
    assert {r for _, r in applied.regions} == {"eu-west-1"}
    assert (
        applied.outcomes[0].undo == [] and s3.bucket_owner_region(account.session, bucket) is None
    )


def test_a_plain_delete_warns_without_claiming_objects(account: Account) -> None:
    bucket = fresh(account)
    (entry,) = account.plan(f"s3 delete {bucket}")
    op, args = catalog.validate(entry)
    assert "deleted first" not in op.warning(args) and "name is free" in op.warning(args)
    assert [c.operation for c in session_policy.calls_of(entry) or []] == ["DeleteBucket"]


# --------------------------------------------------------------------------- uploads


@pytest.mark.parametrize("versioning", [None, "Enabled", "Suspended"])
def test_an_upload_is_checked_by_its_sha256_and_its_undo_deletes_exactly_it(
    account: Account, versioning: str | None
) -> None:
    bucket = fresh(account)
    if versioning:
        account.client("s3").put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": versioning}
        )
    (account.workspace / "app.txt").write_text("release 1")
    entries = account.plan(f"s3 upload app.txt s3://{bucket}/releases/")
    op, args = catalog.validate(entries[0])
    assert not op.warning(args)
    applied = apply(account, entries)
    assert_proved(account, entries, applied)
    (sent,) = applied.outcomes[0].calls
    assert sent["params"]["IfNoneMatch"] == "*" and sent["params"]["ChecksumSHA256"]
    assert "holds the planned 9 bytes (sha256" in applied.outcomes[0].read
    (back,) = applied.undo
    assert back.operation == "s3.delete_object"
    # exactly one guard: the version the upload made where S3 reports one ("null" when
    # versioning is suspended, on AWS), else the ETag it gave the object
    assert bool(back.args["version_id"]) != bool(back.args["etag"])
    if versioning == "Enabled":
        assert back.args["version_id"] not in (None, "null")
    if versioning is None:
        assert back.args["etag"]
    back_op, back_args = catalog.validate(back)
    assert "cannot be undone by a plan" in back_op.warning(back_args)
    # resumed after the upload happened: verified first, never sent again
    again = apply(account, entries, resumed=True)
    assert again.outcomes[0].status == "already" and not again.outcomes[0].calls
    gone = apply(account, [back])
    assert_proved(account, [back], gone)
    assert s3.head_object(account.session, bucket, "releases/app.txt") is None


def test_the_undo_of_an_upload_keeps_an_object_written_over_it(account: Account) -> None:
    """Attack: the rollback must not delete what someone else wrote at the key since."""
    bucket = fresh(account)
    (account.workspace / "mine.txt").write_text("mine")
    applied = apply(account, account.plan(f"s3 upload mine.txt s3://{bucket}/k.txt"))
    (back,) = applied.undo
    account.client("s3").put_object(Bucket=bucket, Key="k.txt", Body=b"theirs, written later")
    refused = apply(account, [back])
    assert refused.outcomes[0].status == "failed"
    assert "written again since the upload" in refused.outcomes[0].line
    body = account.client("s3").get_object(Bucket=bucket, Key="k.txt")["Body"].read()
    assert body == b"theirs, written later"


def test_an_upload_with_force_is_marked_irreversible(account: Account) -> None:
    bucket = fresh(account)
    account.client("s3").put_object(Bucket=bucket, Key="k.txt", Body=b"old")
    (account.workspace / "new.txt").write_text("new")
    (entry,) = account.plan(f"s3 upload new.txt s3://{bucket}/k.txt --force")
    op, args = catalog.validate(entry)
    assert "is replaced" in op.warning(args)
    applied = apply(account, [entry])
    assert_proved(account, [entry], applied)
    assert "IfNoneMatch" not in applied.outcomes[0].calls[0]["params"]
    assert applied.undo == []


def test_rollback_steps_are_never_planned_by_people_or_the_agent(account: Account) -> None:
    from devops_agent.agent import tools

    names = {t.name for t in tools.for_specialist("s3")}
    steps = [
        *s3.RESTORES.values(),
        s3.RESTORE_ACCOUNT_PUBLIC_ACCESS,
        s3.DELETE_OBJECT,
    ]
    for step in steps:
        assert not step.commands and not step.for_agent and step.tool_name not in names
        example = step.args.model_validate(step.examples[0])
        with pytest.raises(BadInput, match="rollback"):
            step.plan(account.context(), example)


def test_what_s3_answered_that_does_not_fit_is_no_rollback_entry() -> None:
    """A value that S3's own schema rejects never becomes an entry (the apply says so)."""
    with pytest.raises(BadInput, match="does not fit S3's PutBucketTagging"):
        s3.restore_entry("tags", "b-ucket", "us-east-1", {"TagSet": [{"Value": "no key"}]})
    # a signed entry that says to remove a setting S3 can only set is refused before any call
    forged = s3.RestoreArgs(bucket="b-ucket", bucket_region="us-east-1", value=None)
    with pytest.raises(BadInput, match="cannot be removed"):
        s3.RESTORES["acl"].calls(forged)  # type: ignore[misc]


# --------------------------------------------------------------------------- the account


def _account_block(account: Account) -> dict[str, bool] | None:
    return s3.account_public_access_block(account.session, ACCOUNT)


@pytest.mark.parametrize(
    "start", [None, {"BlockPublicAcls": True, "IgnorePublicAcls": False}], ids=["none", "partial"]
)
def test_the_account_block_names_its_account_and_region_and_rolls_back(
    account: Account, start: dict[str, bool] | None
) -> None:
    control = account.client("s3control")
    if start is None:
        with contextlib.suppress(control.exceptions.ClientError):
            control.delete_public_access_block(AccountId=ACCOUNT)
    else:
        control.put_public_access_block(AccountId=ACCOUNT, PublicAccessBlockConfiguration=start)
    before = _account_block(account)
    entries = account.plan("s3 account public-access block")
    assert entries[0].args == {"access": "block", "account": ACCOUNT, "control_region": "us-east-1"}
    applied = apply(account, entries)
    assert_proved(account, entries, applied)
    assert not [c for c in applied.outcomes[0].calls if c["operation"] == "GetCallerIdentity"]
    assert _account_block(account) == dict.fromkeys(s3.PUBLIC_ACCESS_BLOCK, True)
    (back,) = applied.undo
    assert back.operation == "s3.restore_account_public_access"
    undone = apply(account, [back])
    assert_proved(account, [back], undone)
    assert _account_block(account) == before
    sent = undone.outcomes[0].calls[0]["operation"]
    assert sent == ("DeletePublicAccessBlock" if start is None else "PutPublicAccessBlock")


# --------------------------------------------------------------------------- partial, resumed


def test_a_partial_apply_stops_and_resumes_only_what_is_left(account: Account) -> None:
    first, second, third = fresh(account), fresh(account), fresh(account)
    entries = [
        *account.plan(f"s3 tags {first} team=a"),
        *account.plan(f"s3 versioning {second} on"),
        *account.plan(f"s3 tags {third} team=c"),
    ]
    account.client("s3").delete_bucket(Bucket=second)  # gone between plan and apply
    applied = apply(account, entries)
    assert [o.status for o in applied.outcomes] == ["verified", "failed", "not-run"]
    assert s3.get_tags(account.session, third) == {}
    assert "NoSuchBucket" in applied.outcomes[1].line or "not exist" in applied.outcomes[1].line
    account.client("s3").create_bucket(Bucket=second)
    account.client("s3").put_bucket_tagging(  # entry 1 is not run again: this stays
        Bucket=first, Tagging={"TagSet": [{"Key": "team", "Value": "changed-since"}]}
    )
    again = apply(account, entries, done={1}, resumed=True)
    assert [o.status for o in again.outcomes] == ["done-before", "verified", "verified"]
    assert s3.get_tags(account.session, first) == {"team": "changed-since"}
    assert s3.get_versioning(account.session, second) == "Enabled"
    assert s3.get_tags(account.session, third) == {"team": "c"}


# --------------------------------------------------------------------------- the policy


def test_an_object_key_cannot_widen_its_grant() -> None:
    """Attack: a key written like a wildcard or a policy variable is granted literally."""
    op = catalog.lookup("s3.upload")
    for key, arn in (
        ("releases/*", "arn:aws:s3:::acme-data/releases/${*}"),
        ("a?b", "arn:aws:s3:::acme-data/a${?}b"),
        ("${aws:username}/x", "arn:aws:s3:::acme-data/${$}{aws:username}/x"),
    ):
        example = {**op.examples[0], "key": key}
        entry = op.entry(op.args.model_validate(example), "x", [])
        policy = session_policy.build([entry], account=ACCOUNT, partition="aws")
        assert policy is not None
        assert policy["Statement"][0]["Resource"] == arn


def test_the_locks_of_an_s3_plan_are_its_buckets_and_objects() -> None:
    """Two plans on one bucket (from two pull requests) lock the same ARN."""
    versioning = catalog.lookup("s3.put_versioning")
    tags = catalog.lookup("s3.put_tags")
    a = versioning.entry(versioning.args.model_validate(versioning.examples[0]), "x", [])
    b = tags.entry(tags.args.model_validate(tags.examples[0]), "x", [])
    assert session_policy.lockable([a], account=ACCOUNT) == ["arn:aws:s3:::acme-data"]
    assert session_policy.lockable([b], account=ACCOUNT) == ["arn:aws:s3:::acme-data"]
    delete = catalog.lookup("s3.delete_bucket")
    c = delete.entry(delete.args.model_validate(delete.examples[0]), "x", [])
    assert session_policy.lockable([c], account=ACCOUNT) == ["arn:aws:s3:::acme-old-data"]


def test_an_s3_session_policy_in_full() -> None:
    """`s3 versioning acme-data on` in eu-west-1: one action, one bucket, one region."""
    op = catalog.lookup("s3.put_versioning")
    entry = op.entry(
        op.args.model_validate(
            {"bucket": "acme-data", "bucket_region": "eu-west-1", "versioning": "on"}
        ),
        "x",
        [],
    )
    assert session_policy.build([entry], account=ACCOUNT) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["s3:PutBucketVersioning"],
                "Resource": "arn:aws:s3:::acme-data",
                "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
            }
        ],
    }
    # in another partition, the partition's own ARNs
    china = session_policy.build([entry], account=ACCOUNT, partition="aws-cn")
    assert china is not None and china["Statement"][0]["Resource"] == "arn:aws-cn:s3:::acme-data"


def test_an_unfinished_read_back_is_in_progress_not_failed(account: Account) -> None:
    """A deleted bucket that still answers right after is ⏳ with what to watch."""
    bucket = fresh(account)
    (entry,) = account.plan(f"s3 delete {bucket}")
    op, args = catalog.validate(entry)
    found = op.verify(account.context(), args)  # not deleted yet: it still answers
    assert isinstance(found, InProgress) and "s3 list" in found.watch


def test_an_entry_without_its_region_is_refused_before_any_request(account: Account) -> None:
    """Attack: an entry no preview wrote (no bucket region) would be sent wherever the
    session points and allowed in any region; it gets no session policy and is not run."""
    bucket = fresh(account)
    op = catalog.lookup("s3.put_versioning")
    bare = PlanEntry(
        operation=op.name, args={"bucket": bucket, "versioning": "on"}, description="x"
    )
    with pytest.raises(BadInput, match="does not record the region"):
        session_policy.build([bare], account=ACCOUNT)
    applied = apply(account, [bare])
    assert applied.outcomes[0].status == "failed" and not applied.outcomes[0].calls
    assert s3.get_versioning(account.session, bucket) == "Disabled"
    block = catalog.lookup("s3.block_account_public_access")
    with pytest.raises(BadInput, match="does not record the account"):
        session_policy.build(
            [PlanEntry(operation=block.name, args={"access": "block"}, description="x")],
            account=ACCOUNT,
        )
