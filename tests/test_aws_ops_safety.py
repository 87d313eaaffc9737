"""What holds for every AWS operation: secrets are never read, every planned
operation has an executor, plans survive redaction, paths stay in the workspace."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_aws_ops_support import Account, open_account

import devops_agent
from devops_agent.aws import client, denylist, workspace_files
from devops_agent.commands import COMMANDS
from devops_agent.errors import BadInput, Refused
from devops_agent.gh.secrets import secret_name


@pytest.fixture(scope="module")
def moto_account(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Account]:
    yield from open_account(tmp_path_factory)


PACKAGE = Path(devops_agent.__file__).parent


def test_calls_that_read_secrets_are_refused_at_the_client(moto_account: Account) -> None:
    session = moto_account.session
    ssm = client(session, "ssm")
    ssm.put_parameter(Name="/app/plain", Value="hello", Type="String")
    assert ssm.get_parameter(Name="/app/plain")["Parameter"]["Value"] == "hello"
    refusals = [
        lambda: client(session, "secretsmanager").get_secret_value(SecretId="prod/db"),
        lambda: client(session, "secretsmanager").batch_get_secret_value(SecretIdList=["a"]),
        lambda: ssm.get_parameter(Name="/app/plain", WithDecryption=True),
        lambda: ssm.get_parameters_by_path(Path="/app", WithDecryption=True),
        lambda: client(session, "kms").decrypt(CiphertextBlob=b"x"),
        lambda: client(session, "kms").generate_data_key(KeyId="alias/x", KeySpec="AES_256"),
        lambda: client(session, "ec2").get_password_data(InstanceId="i-0123456789abcdef0"),
        lambda: client(session, "ec2").describe_instance_attribute(
            InstanceId="i-0123456789abcdef0", Attribute="userData"
        ),
        lambda: client(session, "sts").get_session_token(),
        lambda: client(session, "ecr").get_authorization_token(),
    ]
    for call in refusals:
        with pytest.raises(Refused, match="never calls") as caught:
            call()
        assert caught.value.exit_code == 3
        assert "reading secret material" in caught.value.message


def test_the_deny_list_names_real_operations() -> None:
    """A typo in the list would leave a call open: every entry exists in botocore."""
    import botocore.session

    models = botocore.session.get_session()
    for service, operation in [*denylist.DENIED, *denylist.CONDITIONAL]:
        assert operation in models.get_service_model(service).operation_names, (service, operation)


def test_no_code_calls_a_denied_operation() -> None:
    methods = {
        re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
        for _, operation in [*denylist.DENIED, *denylist.CONDITIONAL]
        if operation not in ("GetParameter", "GetParameters", "GetParametersByPath")
        and operation != "DescribeInstanceAttribute"
    }
    for path in PACKAGE.rglob("*.py"):
        if path.name == "denylist.py":
            continue
        text = path.read_text(encoding="utf-8")
        # boto3 methods take keyword arguments only (pydantic's get_secret_value() takes none)
        found = [m for m in methods if re.search(rf"\.{m}\(\s*(?:\*\*|\w+\s*=)", text)]
        assert not found, f"{path.relative_to(PACKAGE)} calls {found}"


def test_every_declared_operation_is_complete() -> None:
    """The catalog's own registry check: every declaration complete, nothing named twice."""
    from devops_agent import catalog
    from devops_agent.operation import Read, Write

    ops = catalog.declarations()
    names = {op.name for op in ops}
    emitted = {step.name for op in catalog.writes() for step in op.emits}
    action = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*]+$")
    tools = {op.tool_name for op in ops if op.for_agent}
    for op in ops:
        if not op.for_agent:
            assert op.tool_name not in tools, f"{op.name} is named like the tool {op.tool_name}"
        assert op.name.split(".")[0] in ("ec2", "s3", "iam", "vpc", "github", "audit", "knowledge")
        for verb in iam_verbs(op):
            assert action.match(verb), (op.name, verb)
        if isinstance(op, Read):
            assert op.commands or op.for_agent, f"{op.name}: neither a command nor a tool"
            if op.service in ("ec2", "s3", "iam", "vpc"):
                assert op.actions, f"{op.name}: a read needs the read role's actions"
            continue
        assert isinstance(op, Write)
        if op.run is None:
            assert op.emits, f"{op.name}: a composite must say which operations it plans"
        elif op.service in ("ec2", "s3", "iam", "vpc"):
            assert op.actions and op.arns, f"{op.name}: its executor's actions and ARNs"
        for step in op.emits:
            assert step.name in names and catalog.lookup(step.name) is step, step.name
        if not op.commands:
            assert op.name in emitted, f"{op.name}: no command, and no plan carries it"
            assert not op.for_agent, f"{op.name}: a step reached only through another plan"


def iam_verbs(op: object) -> list[str]:
    from devops_agent.operation import Read

    if isinstance(op, Read):
        return list(op.actions)
    return [*op.reads, *op.actions]  # type: ignore[attr-defined]


def test_help_lists_every_aws_command() -> None:
    usages = {s.usage.split(" ")[0] for s in COMMANDS if s.handler is not None}
    assert {"ec2", "s3", "iam", "vpc"} <= usages
    paths = {" ".join(s.path) for s in COMMANDS}
    for expected in (
        "ec2 create",
        "ec2 sg authorize",
        "ec2 keypairs create",
        "s3 upload",
        "s3 download",
        "s3 policy set",
        "s3 versioning",
        "iam keys rotate",
        "iam permissions",
        "vpc flowlogs enable",
        "vpc route add",
    ):
        assert expected in paths


def test_a_plan_that_redaction_would_break_is_refused(moto_account: Account) -> None:
    moto_account.client("s3").create_bucket(Bucket="safety-bucket")
    result = moto_account.refused("s3 tags safety-bucket note=AKIAIOSFODNN7EXAMPLE")
    assert "shaped like a credential" in result.title
    assert moto_account.plan("s3 tags safety-bucket note=harmless")


def test_workspace_paths(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "sub").mkdir(parents=True)
    (tmp_path / "elsewhere").mkdir()
    (workspace / "out").symlink_to(tmp_path / "elsewhere")
    (workspace / "sub" / "ok.txt").write_text("ok")
    assert (
        workspace_files.inside(workspace, "sub/ok.txt") == (workspace / "sub" / "ok.txt").resolve()
    )
    for bad, message in [
        ("", "relative to the workspace"),
        ("/etc/passwd", "absolute"),
        ("C:\\Windows\\x", "absolute"),
        ("~/x", "absolute"),
        ("sub/../../x", "'..'"),
        ("out/file.txt", "outside the workspace"),
        (".", "the workspace itself"),
    ]:
        with pytest.raises(BadInput, match=message):
            workspace_files.inside(workspace, bad)
    assert workspace_files.stat_file(workspace, "sub/ok.txt").size == 2
    with pytest.raises(BadInput, match="already exists"):
        workspace_files.target_path(workspace, "sub/ok.txt", overwrite=False)
    with pytest.raises(BadInput, match="directory"):
        workspace_files.target_path(workspace, "sub", overwrite=True)


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("deploy_key", "DEPLOY_KEY"),
        ("_X", "_X"),
        ("1ABC", None),
        ("GITHUB_TOKEN", None),
        ("a-b", None),
        ("", None),
    ],
)
def test_secret_names(name: str, ok: str | None) -> None:
    if ok:
        assert secret_name(name) == ok
    else:
        with pytest.raises(BadInput):
            secret_name(name)


def test_downloads_never_write_where_files_run_later(tmp_path: Path) -> None:
    """``.git`` (hooks, ``core.fsmonitor``), ``.github`` (workflows) and ``.devops-agent``,
    in any case, typed or reached through a symbolic link."""
    workspace = tmp_path / "ws"
    (workspace / ".git").mkdir(parents=True)
    (workspace / "link").symlink_to(workspace / ".git")
    for bad in (
        ".git/config",
        ".GIT/config",
        "a/.git/hooks/pre-commit",
        ".github/workflows/x.yml",
        ".GitHub/actions/a/action.yml",
        ".devops-agent/report.json",
        ".git./config",
        "link/config",
    ):
        with pytest.raises(BadInput, match="never write into"):
            workspace_files.target_path(workspace, bad, overwrite=True)
    assert workspace_files.target_path(workspace, "downloads/.gitignore-copy", overwrite=True)
    assert workspace_files.target_path(workspace, "docs/github.md", overwrite=True)
