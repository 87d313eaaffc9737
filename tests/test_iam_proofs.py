"""IAM plans that prove themselves (issue 15), every IAM write, in process against moto.

For each IAM write with an executor: the state is set up so the change is not yet so; its
read-back says ❌ (so a resumed apply would carry it out); the executor runs on a write
session whose requests botocore's own hooks record (:class:`devops_agent.carry.Recorder`),
and what it sent must be exactly the operation's declared ``calls``; the read-back then
says ✅; and its rollback entries, carried out, bring back the state read before (or the
operation says, before approval, why there is none). Then the states each read-back and
way back branch on, and the session policies an IAM plan gets, evaluated offline.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from conftest import REPO
from test_aws_ops_support import Account, Writers, github_client, open_account
from test_session_policy import ACCOUNT, simulate  # noqa: F401  (the simulator fixture)

from devops_agent import catalog, session_policy
from devops_agent.carry import Recorder, carry
from devops_agent.operation import GLOBAL, NotAsPlanned, PlanEntry, Verified, Write
from devops_agent.plans import new_plan

DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::r/*"}],
}
OTHER = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::r"}],
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
TEXT = json.dumps(DOC, separators=(",", ":"))


@pytest.fixture(scope="module")
def moto_account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    yield from open_account(tmp_path_factory)


def iam(account: Account) -> Any:
    return account.client("iam")


def policy(account: Account, name: str, doc: dict[str, Any] = DOC) -> str:
    return str(
        iam(account).create_policy(PolicyName=name, PolicyDocument=json.dumps(doc))["Policy"]["Arn"]
    )


def principal(account: Account, kind: str, name: str) -> None:
    c = iam(account)
    if kind == "user":
        c.create_user(UserName=name)
    elif kind == "role":
        c.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
    else:
        c.create_group(GroupName=name)


def key_of(account: Account, user: str) -> str:
    iam(account).create_user(UserName=user)
    return str(iam(account).create_access_key(UserName=user)["AccessKey"]["AccessKeyId"])


@dataclass
class Case:
    """One IAM write: its set-up (returns the arguments) and what the way back restores."""

    name: str
    operation: str
    setup: Callable[[Account], dict[str, Any]]
    github: bool = False
    after_undo: Callable[[Account, dict[str, Any]], bool] | None = None
    """For a create: True once the rollback removed what it made."""
    tags: list[str] = field(default_factory=list)


def _attach(kind: str, attached: bool, tag: str = "") -> Callable[[Account], dict[str, Any]]:
    def setup(account: Account) -> dict[str, Any]:
        name = f"pa-{kind}-{int(attached)}{tag}"
        principal(account, kind, name)
        arn = policy(account, f"pp-{kind}-{int(attached)}{tag}")
        if attached:
            getattr(iam(account), f"attach_{kind}_policy")(
                PolicyArn=arn, **{f"{kind.capitalize()}Name": name}
            )
        return {"policy": arn, kind: name}

    return setup


def _inline(kind: str, present: bool, tag: str = "") -> Callable[[Account], dict[str, Any]]:
    def setup(account: Account) -> dict[str, Any]:
        name = f"pi-{kind}-{int(present)}{tag}"
        principal(account, kind, name)
        args: dict[str, Any] = {"kind": kind, "name": name, "policy": "extra"}
        if present:
            getattr(iam(account), f"put_{kind}_policy")(
                PolicyName="extra", PolicyDocument=TEXT, **{f"{kind.capitalize()}Name": name}
            )
        else:
            args["document"] = TEXT
        return args

    return setup


def _member(present: bool) -> Callable[[Account], dict[str, Any]]:
    def setup(account: Account) -> dict[str, Any]:
        user, group = f"pm-user-{int(present)}", f"pm-group-{int(present)}"
        principal(account, "user", user)
        principal(account, "group", group)
        if present:
            iam(account).add_user_to_group(UserName=user, GroupName=group)
        return {"user": user, "group": group}

    return setup


def _profile(present: bool) -> Callable[[Account], dict[str, Any]]:
    def setup(account: Account) -> dict[str, Any]:
        role, profile = f"pr-role-{int(present)}", f"pr-profile-{int(present)}"
        principal(account, "role", role)
        iam(account).create_instance_profile(InstanceProfileName=profile)
        if present:
            iam(account).add_role_to_instance_profile(InstanceProfileName=profile, RoleName=role)
        return {"role": role, "profile": profile}

    return setup


def _version(account: Account) -> dict[str, Any]:
    arn = policy(account, "pv-policy")
    iam(account).create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(OTHER))
    return {"arn": arn, "version": "v2"}


def _login(account: Account) -> dict[str, Any]:
    principal(account, "user", "pl-user")
    iam(account).create_login_profile(UserName="pl-user", Password="An0ther-Passw0rd!")
    return {"user": "pl-user"}


def _status(account: Account) -> dict[str, Any]:
    key = key_of(account, "pk-status")
    return {"user": "pk-status", "access_key": key.lower(), "status": "Inactive"}


def _password(existing: bool) -> Callable[[Account], dict[str, Any]]:
    def setup(account: Account) -> dict[str, Any]:
        c = iam(account)
        with contextlib.suppress(c.exceptions.NoSuchEntityException):
            c.delete_account_password_policy()
        if existing:
            c.update_account_password_policy(MinimumPasswordLength=10, RequireNumbers=True)
        wanted = {
            "exists": True,
            "minimum_length": 14,
            "require_symbols": True,
            "require_numbers": True,
            "require_uppercase": True,
            "require_lowercase": True,
            "reuse_prevention": 24,
            "max_age_days": None,
            "allow_users_to_change": True,
            "hard_expiry": False,
        }
        return {"min_length": 14, "policy": wanted}

    return setup


def _gone(kind: str, name: str) -> Callable[[Account, dict[str, Any]], bool]:
    def check(account: Account, args: dict[str, Any]) -> bool:
        from devops_agent.aws.iam import principals

        return not principals.principal_exists(account.session, kind, name)  # type: ignore[arg-type]

    return check


CASES = [
    Case(
        "create policy",
        "iam.create_policy",
        lambda a: {"policy": "pc-new", "document": TEXT, "path": "/ci/", "description": "d"},
    ),
    *(
        Case(f"attach to {k}", "iam.attach_policy", _attach(k, False))
        for k in ("user", "role", "group")
    ),
    *(
        Case(f"detach from {k}", "iam.detach_policy", _attach(k, True))
        for k in ("user", "role", "group")
    ),
    *(
        Case(f"delete inline of {k}", "iam.delete_inline_policy", _inline(k, True))
        for k in ("user", "role", "group")
    ),
    *(
        Case(f"put inline into {k}", "iam.put_inline_policy", _inline(k, False))
        for k in ("user", "role", "group")
    ),
    Case("delete policy version", "iam.delete_policy_version", _version),
    Case("delete policy", "iam.delete_policy", lambda a: {"arn": policy(a, "pd-policy")}),
    Case(
        "create user with tags",
        "iam.create_user",
        lambda a: {"user": "pu-new", "path": "/ci/", "tags": {"team": "ci"}},
        after_undo=_gone("user", "pu-new"),
    ),
    Case(
        "create user",
        "iam.create_user",
        lambda a: {"user": "pu-plain"},
        after_undo=_gone("user", "pu-plain"),
    ),
    Case("delete login profile", "iam.delete_login_profile", _login),
    Case("remove from group", "iam.remove_user_from_group", _member(True)),
    Case("add to group", "iam.add_user_to_group", _member(False)),
    Case(
        "delete user",
        "iam.delete_user",
        lambda a: (principal(a, "user", "pu-old"), {"user": "pu-old"})[1],
    ),
    Case(
        "create role",
        "iam.create_role",
        lambda a: {"role": "pr-new", "trust_policy": json.dumps(TRUST), "path": "/apps/"},
        after_undo=_gone("role", "pr-new"),
    ),
    Case("remove from profile", "iam.remove_role_from_instance_profile", _profile(True)),
    Case("add to profile", "iam.add_role_to_instance_profile", _profile(False)),
    Case(
        "delete role",
        "iam.delete_role",
        lambda a: (principal(a, "role", "pr-old"), {"role": "pr-old"})[1],
    ),
    Case(
        "create access key",
        "iam.create_access_key",
        lambda a: (
            principal(a, "user", "pk-new"),
            {"user": "pk-new", "secret": "PK", "repository": REPO},
        )[1],
        github=True,
    ),
    Case("deactivate key", "iam.update_access_key", _status),
    Case(
        "delete key",
        "iam.delete_access_key",
        lambda a: {"user": "pk-del", "access_key": key_of(a, "pk-del").lower(), "force": True},
    ),
    Case("first password policy", "iam.set_password_policy", _password(False)),
    Case("stronger password policy", "iam.set_password_policy", _password(True)),
]


def test_the_cases_reach_every_iam_write_with_an_executor():
    executors = {op.name for op in catalog.writes() if op.service == "iam" and op.run is not None}
    assert {c.operation for c in CASES} == executors


def _sent(recorder: Recorder) -> list[tuple[str, dict[str, Any]]]:
    return [(c["operation"], c["params"]) for c in recorder.take() if not c["dry_run"]]


def _write_session() -> boto3.Session:
    """A session of its own, so the recorder sees only the executor's requests."""
    return boto3.Session(region_name="us-east-1")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_an_iam_write_sends_what_it_declares_reads_it_back_and_undoes_it(
    moto_account: Account, case: Case, github: Any
) -> None:
    op = catalog.lookup(case.operation)
    args = op.args.model_validate(case.setup(moto_account))
    ctx = moto_account.context()
    # not so yet: a resumed apply would carry it out
    assert isinstance(op.verify(ctx, args), NotAsPlanned), case.name
    before = op.before(ctx, args) if op.before is not None else None

    session = _write_session()
    recorder = Recorder(session)
    entry = PlanEntry(operation=op.name, args=args.model_dump(mode="json"), description="x")
    gh = github_client(github) if case.github else None
    catalog.carry_out(entry, Writers(session, gh, moto_account.workspace, ctx))

    declared = op.calls(args)
    assert all(
        c.region == GLOBAL and c.action == f"iam:{c.operation}"
        for c in declared
        if c.service == "iam"
    )
    always = [(c.operation, c.params) for c in declared if c.service == "iam" and not c.when]
    assert _sent(recorder) == always
    pushed = sorted(
        r.path.rsplit("/", 1)[-1] for r in github.requests_to("PUT", r"/actions/secrets/")
    )
    planned = sorted(c.operation.rsplit("/", 1)[-1] for c in declared if c.service == "github")
    assert pushed == planned

    found = op.verify(ctx, args)
    assert isinstance(found, Verified), found

    if op.warning(args):
        assert op.undo is None, f"{op.name} is irreversible and also has a way back"
        return
    undo = op.undo(ctx, before, args)
    assert undo, f"{op.name} changed something and offers no way back"
    for back in undo:
        carried = catalog.lookup(back.operation)
        catalog.carry_out(back, Writers(_write_session(), gh, moto_account.workspace, ctx))
        assert isinstance(carried.verify(ctx, carried.args.model_validate(back.args)), Verified)
    if case.after_undo is not None:
        assert case.after_undo(moto_account, args.model_dump())
    elif op.before is not None:
        assert op.before(ctx, args) == before  # as it was before the change
    else:
        assert isinstance(op.verify(ctx, args), NotAsPlanned)  # what it created is gone


# --------------------------------------------------------------------------- states


def test_read_backs_say_what_is_not_as_planned(moto_account: Account) -> None:
    ctx = moto_account.context()
    c = iam(moto_account)
    # a policy of the planned name, with another document or at another path
    create = catalog.lookup("iam.create_policy")
    c.create_policy(PolicyName="ps-taken", PolicyDocument=json.dumps(OTHER), Path="/x/")
    taken = create.args.model_validate({"policy": "ps-taken", "document": TEXT, "path": "/x/"})
    assert "another document" in create.verify(ctx, taken).what
    elsewhere = taken.model_copy(update={"path": "/y/"})
    assert "at path /x/" in create.verify(ctx, elsewhere).what
    # a user or role at another path than planned
    c.create_user(UserName="ps-user", Path="/x/")
    user = catalog.lookup("iam.create_user")
    assert "at path /x/" in user.verify(ctx, user.args.model_validate({"user": "ps-user"})).what
    c.create_role(RoleName="ps-role", AssumeRolePolicyDocument=json.dumps(TRUST))
    role = catalog.lookup("iam.create_role")
    other_trust = json.dumps(
        {
            **TRUST,
            "Statement": [
                {**TRUST["Statement"][0], "Principal": {"Service": "lambda.amazonaws.com"}}
            ],
        }
    )
    found = role.verify(
        ctx, role.args.model_validate({"role": "ps-role", "trust_policy": other_trust})
    )
    assert isinstance(found, NotAsPlanned) and "another trust policy" in found.what
    # a key that is gone, or one in the other status
    status = catalog.lookup("iam.update_access_key")
    key = key_of(moto_account, "ps-key").lower()
    gone = status.args.model_validate(
        {"user": "ps-key", "access_key": "akia" + "0" * 16, "status": "Inactive"}
    )
    assert "has no access key …0000" in status.verify(ctx, gone).what
    active = status.args.model_validate({"user": "ps-key", "access_key": key, "status": "Inactive"})
    assert f"…{key[-4:].upper()} of ps-key is Active" in status.verify(ctx, active).what
    assert key.upper() not in status.verify(ctx, active).what  # the redacted shape never shows
    # two new keys where the plan made one
    new = catalog.lookup("iam.create_access_key")
    c.create_access_key(UserName="ps-key")
    two = new.args.model_validate({"user": "ps-key", "secret": "X", "repository": REPO})
    assert "2 new access keys" in new.verify(ctx, two).what
    # an attach to a user that does not exist; a detach from one is moot
    attach, detach = catalog.lookup("iam.attach_policy"), catalog.lookup("iam.detach_policy")
    ghost = {"policy": "arn:aws:iam::123456789012:policy/x", "user": "ps-ghost"}
    assert "there is no user ps-ghost" in attach.verify(ctx, attach.args.model_validate(ghost)).what
    assert isinstance(detach.verify(ctx, detach.args.model_validate(ghost)), Verified)
    # a password policy that differs from the planned one
    setter = catalog.lookup("iam.set_password_policy")
    wanted = setter.args.model_validate(_password(True)(moto_account))
    found = setter.verify(ctx, wanted)
    assert isinstance(found, NotAsPlanned) and "at least 10 characters" in found.what


def test_ways_back_follow_the_state_read_before(moto_account: Account) -> None:
    """Nothing to undo when the change was already so before, or its subject is gone."""
    ctx = moto_account.context()
    attach = catalog.lookup("iam.attach_policy")
    args = attach.args.model_validate(_attach("user", True, "-w")(moto_account))
    assert attach.undo(ctx, {"attached": True}, args) == []  # it was attached already
    inline = catalog.lookup("iam.delete_inline_policy")
    none = inline.args.model_validate({"kind": "user", "name": "ghost", "policy": "p"})
    assert inline.undo(ctx, {"document": None}, none) == []
    assert inline.undo(ctx, {"document": TEXT}, none) == []  # the user is gone
    put = catalog.lookup("iam.put_inline_policy")
    replaced = put.args.model_validate(
        _inline("role", True, "-w")(moto_account) | {"document": json.dumps(OTHER)}
    )
    (back,) = put.undo(ctx, {"document": TEXT}, replaced)
    assert back.operation == "iam.put_inline_policy" and json.loads(back.args["document"]) == DOC
    setter = catalog.lookup("iam.set_password_policy")
    same = setter.args.model_validate(_password(False)(moto_account))
    assert setter.undo(ctx, same.policy.model_dump(mode="json"), same) == []
    status = catalog.lookup("iam.update_access_key")
    deleted = status.args.model_validate(
        {"user": "ps-key", "access_key": "akia" + "1" * 16, "status": "Inactive"}
    )
    assert status.undo(ctx, {"status": "Active"}, deleted) == []  # the key is gone since


def test_a_rollback_after_a_user_is_deleted_puts_nothing_back_onto_it(
    moto_account: Account,
) -> None:
    """The way back of each cleanup step is read once the plan has run: after the user's
    deletion there is nothing to re-attach a policy or a group to, so no rollback plan."""
    c = iam(moto_account)
    arn = policy(moto_account, "pw-policy")
    principal(moto_account, "user", "pw-user")
    principal(moto_account, "group", "pw-group")
    c.attach_user_policy(UserName="pw-user", PolicyArn=arn)
    c.add_user_to_group(UserName="pw-user", GroupName="pw-group")
    entries = moto_account.plan("iam user delete pw-user --force")
    outcomes = _carry(moto_account, entries)
    assert [o.status for o in outcomes] == ["verified"] * 3
    assert [e for o in outcomes for e in o.undo] == []

    # the same plan whose last step fails: the cleanup steps' way back is offered
    principal(moto_account, "user", "pw-user")
    c.attach_user_policy(UserName="pw-user", PolicyArn=arn)
    c.add_user_to_group(UserName="pw-user", GroupName="pw-group")
    # an inline policy added after the plan was made blocks the delete (DeleteConflict)
    c.put_user_policy(UserName="pw-user", PolicyName="late", PolicyDocument=TEXT)
    outcomes = _carry(moto_account, entries)
    assert [o.status for o in outcomes] == ["verified", "verified", "failed"]
    back = [e.operation for o in reversed(outcomes) for e in o.undo]
    assert back == ["iam.add_user_to_group", "iam.attach_policy"]


def _carry(
    account: Account, entries: list[PlanEntry], *, resumed: bool = False, gh: Any = None
) -> list[Any]:
    plan = new_plan(entries, repository=REPO, requester="alice")
    done: set[int] = set()
    return carry(
        account.context(),
        plan,
        [e.operation for e in entries],
        Writers(_write_session(), gh, account.workspace, account.context()),
        None,
        done=done,
        resumed=resumed,
        record_done=done.add,
    )


def test_a_resumed_apply_never_repeats_a_create(moto_account: Account, github: Any) -> None:
    """The run died after the user and its key were created, before the ledger said so:
    applied again, each read-back comes first and finds them, and nothing is created twice."""
    principal(moto_account, "user", "pn-user")
    key = moto_account.plan("iam keys create pn-user --secret PN")
    user = moto_account.plan("iam user create pn-new")
    gh = github_client(github)
    moto_account.apply([*user, *key], gh=gh)
    outcomes = _carry(moto_account, [*user, *key], resumed=True, gh=gh)
    assert [o.status for o in outcomes] == ["already", "already"]
    assert len(iam(moto_account).list_access_keys(UserName="pn-user")["AccessKeyMetadata"]) == 1


# --------------------------------------------------------------------------- session policies


def _policy(entries: list[PlanEntry], partition: str = "aws") -> dict[str, Any]:
    built = session_policy.build(entries, account=ACCOUNT, partition=partition)
    assert built is not None
    return built


def _entry(name: str, **args: Any) -> PlanEntry:
    op: Write[Any] = catalog.lookup(name)
    return op.entry(op.args.model_validate(args), name, [])


def test_an_iam_call_is_limited_to_the_partitions_iam_region():
    """IAM has one endpoint: its requests carry aws:RequestedRegion us-east-1 in aws, and the
    region of the partition's own IAM endpoint elsewhere."""
    delete = _entry("iam.delete_login_profile", user="dev")
    for partition, region in (
        ("aws", "us-east-1"),
        ("aws-us-gov", "us-gov-west-1"),
        ("aws-cn", "cn-north-1"),
    ):
        (statement,) = _policy([delete], partition)["Statement"]
        assert statement["Condition"] == {"StringEquals": {"aws:RequestedRegion": [region]}}
        assert statement["Resource"] == [
            f"arn:{partition}:iam::{ACCOUNT}:user/*/dev",
            f"arn:{partition}:iam::{ACCOUNT}:user/dev",
        ]


def test_the_policy_of_an_iam_plan_allows_exactly_it(simulate):  # noqa: F811
    """The role may attach anything to anyone; this session may attach the planned policy to
    the planned user and do nothing else."""
    planned = "arn:aws:iam::123456789012:policy/deploy"
    policy_ = _policy([_entry("iam.attach_policy", policy=planned, user="dev")])
    user = f"arn:aws:iam::{ACCOUNT}:user/dev"
    here = {"aws:RequestedRegion": "us-east-1"}
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    cases = [
        (
            {
                "action": "iam:AttachUserPolicy",
                "resource": user,
                "context": {**here, "iam:PolicyARN": planned},
            },
            "Allowed",
        ),
        (
            {
                "action": "iam:AttachUserPolicy",
                "resource": user,
                "context": {**here, "iam:PolicyARN": admin},
            },
            "ImplicitlyDenied",
        ),
        (
            {
                "action": "iam:AttachUserPolicy",
                "resource": f"arn:aws:iam::{ACCOUNT}:user/other",
                "context": {**here, "iam:PolicyARN": planned},
            },
            "ImplicitlyDenied",
        ),
        (
            {
                "action": "iam:AttachRolePolicy",
                "resource": f"arn:aws:iam::{ACCOUNT}:role/dev",
                "context": {**here, "iam:PolicyARN": planned},
            },
            "ImplicitlyDenied",
        ),
        ({"action": "iam:PutUserPolicy", "resource": user, "context": here}, "ImplicitlyDenied"),
        ({"action": "iam:CreateAccessKey", "resource": user, "context": here}, "ImplicitlyDenied"),
        (
            {
                "action": "iam:AttachUserPolicy",
                "resource": user,
                "context": {"aws:RequestedRegion": "eu-west-1", "iam:PolicyARN": planned},
            },
            "ImplicitlyDenied",
        ),
    ]
    assert simulate(policy_, [c for c, _ in cases]) == [want for _, want in cases]
    assert simulate(None, [cases[1][0]]) == ["Allowed"]  # the role alone would have let it


def test_a_new_access_key_may_be_made_and_deleted_for_that_user_only(simulate):  # noqa: F811
    entry = _entry("iam.create_access_key", user="ci", secret="CI", repository=REPO)
    policy_ = _policy([entry])
    assert {a for s in policy_["Statement"] for a in s["Action"]} == {
        "iam:CreateAccessKey",
        "iam:DeleteAccessKey",
    }
    here = {"aws:RequestedRegion": "us-east-1"}
    ci, other = f"arn:aws:iam::{ACCOUNT}:user/ci", f"arn:aws:iam::{ACCOUNT}:user/admin"
    got = simulate(
        policy_,
        [
            {"action": "iam:CreateAccessKey", "resource": ci, "context": here},
            {"action": "iam:CreateAccessKey", "resource": other, "context": here},
            {"action": "iam:UpdateAccessKey", "resource": ci, "context": here},
        ],
    )
    assert got == ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied"]


def test_an_iam_plan_locks_the_principals_it_changes():
    entries = [
        _entry("iam.detach_policy", policy="arn:aws:iam::123456789012:policy/deploy", role="app"),
        _entry("iam.remove_role_from_instance_profile", role="app", profile="app"),
        _entry("iam.delete_role", role="app"),
        _entry("iam.create_user", user="new", path="/ci/"),
    ]
    assert session_policy.lockable(entries, account=ACCOUNT, partition="aws") == [
        f"arn:aws:iam::{ACCOUNT}:instance-profile/app",
        f"arn:aws:iam::{ACCOUNT}:role/app",
        f"arn:aws:iam::{ACCOUNT}:user/ci/new",
    ]


def test_two_spellings_of_one_principal_lock_one_key():
    """IAM names ignore case (``Deploy`` is the user ``deploy``): two plans spelling it
    differently must not both hold their own lock and run at once on the one user."""
    keys = [
        session_policy.lockable(
            [_entry("iam.delete_role", role=name)], account=ACCOUNT, partition="aws"
        )
        for name in ("Deploy", "deploy", "DEPLOY")
    ]
    assert keys[0] == keys[1] == keys[2] == [f"arn:aws:iam::{ACCOUNT}:role/deploy"]


def test_a_user_with_many_policies_can_be_deleted_in_one_plan(moto_account: Account, simulate):  # noqa: F811
    """Twelve detaches from one user are one statement listing the twelve policies (IAM
    allows any of a key's values), so the plan fits STS's limit and still allows no other
    policy to be detached."""
    principal(moto_account, "user", "pz-user")
    arns = [policy(moto_account, f"pz-policy-with-a-longer-name-{n:02}") for n in range(12)]
    for arn in arns:
        iam(moto_account).attach_user_policy(UserName="pz-user", PolicyArn=arn)
    entries = moto_account.plan("iam user delete pz-user --force")
    built = _policy(entries)
    assert len(session_policy.render(built)) <= session_policy.LIMIT
    (detach,) = [s for s in built["Statement"] if s["Action"] == ["iam:DetachUserPolicy"]]
    assert detach["Condition"]["ArnEquals"]["iam:PolicyARN"] == sorted(arns)
    user = f"arn:aws:iam::{ACCOUNT}:user/pz-user"
    here = {"aws:RequestedRegion": "us-east-1"}
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    got = simulate(
        built,
        [
            {
                "action": "iam:DetachUserPolicy",
                "resource": user,
                "context": {**here, "iam:PolicyARN": arns[7]},
            },
            {
                "action": "iam:DetachUserPolicy",
                "resource": user,
                "context": {**here, "iam:PolicyARN": admin},
            },
            {
                "action": "iam:AttachUserPolicy",
                "resource": user,
                "context": {**here, "iam:PolicyARN": arns[7]},
            },
        ],
    )
    assert got == ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied"]


def test_conditions_two_keys_apart_stay_apart():
    """Merging statements that differ in two condition keys would allow their cross
    combinations; only one key apart is merged."""
    base = {"Effect": "Allow", "Action": ["x:Y"], "Resource": "*"}
    one = {**base, "Condition": {"StringEquals": {"a": ["1"], "b": ["1"]}}}
    two = {**base, "Condition": {"StringEquals": {"a": ["2"], "b": ["2"]}}}
    three = {**base, "Condition": {"StringEquals": {"a": ["3"], "b": ["1"]}}}
    merged = session_policy._merged([one, two, three])
    assert [s["Condition"]["StringEquals"] for s in merged] == [
        {"a": ["1", "3"], "b": ["1"]},
        {"a": ["2"], "b": ["2"]},
    ]
