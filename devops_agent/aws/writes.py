"""What every AWS write shares: its result model, its errors, its checks of ids.

Writes run only on the apply path, with the write role's session (see
:mod:`devops_agent.aws.operations`). Each returns a :class:`Change`: one line of
what was done, the resource it was done to, and the IAM action it took.

* :func:`write_errors` is :func:`~devops_agent.aws.aws_errors` for writes: an
  access-denied answer names the **write** role as the one to fix.
* :func:`ec2_call` previews an EC2 write with ``DryRun=True`` before making it,
  so a write role that may not act fails on the preview, before any change.
* :func:`send_ec2` makes one EC2 write in a region (the region checked, then
  :func:`ec2_call`), the way every EC2 and VPC executor does.
* :func:`ec2_request` declares one such EC2 request for an operation's ``calls`` (the
  EC2 and VPC writes' counterpart of IAM's ``iam_call``), and :func:`ec2_arn` names what
  it acts on.
* :func:`resource_id`, :func:`cidr_block`, :func:`tag_map` validate what people
  type, before any API call; :func:`recorded` checks, at apply, that the entry holds what
  its preview wrote into it.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

from botocore import xform_name
from botocore.exceptions import ClientError
from pydantic import AfterValidator, BeforeValidator, Field, WithJsonSchema

from devops_agent.aws import _ACCESS_DENIED, AwsModel, aws_errors
from devops_agent.errors import BadInput, DevOpsError, ServiceError
from devops_agent.operation import ApiCall, Grant, Pairs

__all__ = [
    "Change",
    "Tags",
    "cidr_block",
    "ec2_arn",
    "ec2_call",
    "ec2_request",
    "recorded",
    "resource_id",
    "roll_back",
    "send_ec2",
    "tag_list",
    "tag_map",
    "write_errors",
]

T = TypeVar("T")

_ID = "(?:[0-9a-f]{8}|[0-9a-f]{17})"
#: What EC2 ids look like, by prefix, for the error message.
_ID_EXAMPLE = "0123456789abcdef0"
_TAG_KEY = re.compile(r"^[\w .:/=+\-@]{1,128}$")
_TAG_VALUE = re.compile(r"^[\w .:/=+\-@]{0,256}$")


class Change(AwsModel):
    """What one write did."""

    action: str
    """The IAM action it took, e.g. ``ec2:CreateSecurityGroup``."""
    resource: str
    """The id, name or ARN it changed or created."""
    message: str
    """One line for people: what happened."""


@contextmanager
def write_errors(
    action: str, *, resource: str | None = None, region: str | None = None
) -> Iterator[None]:
    """:func:`~devops_agent.aws.aws_errors` for a write: access denied names the write role.

    Raises:
        ServiceError: AWS refused or failed (``code`` = the AWS code).
        BadInput: botocore rejected a parameter before sending it.

    Args:
        action: The IAM action the block needs.
        resource: The id or name the block is about.
        region: The region the block calls.

    Yields:
        Nothing; the block runs inside it.
    """
    try:
        with aws_errors(action, resource=resource, region=region):
            yield
    except ServiceError as exc:
        if exc.code not in _ACCESS_DENIED:
            raise
        raise ServiceError(
            exc.message,
            code=exc.code,
            remedy=f'Add "{action}" to the write role\'s policy (the role in the '
            "aws-write-role-to-assume input), and check that no SCP, permissions boundary "
            "or resource policy denies it.",
        ) from exc


def recorded(value: T | None, what: str) -> T:
    """What the preview wrote into a plan entry for its executor (the document to set, the
    rules to remove), checked at apply: an entry without it was not made by a preview.

    Args:
        value: The entry's field.
        what: What it holds, for the message (``the policy to set``).

    Returns:
        ``value``.

    Raises:
        BadInput: it is missing; the entry is not applied.
    """
    if value is None:
        raise BadInput(
            f"The plan does not record {what}; it is not applied.",
            remedy="Ask for the change again to get a fresh plan.",
        )
    return value


def roll_back(undo: Callable[[], object], cause: DevOpsError) -> None:
    """Undo a half-done write after ``cause`` stopped it; say so if even that fails.

    For a credential AWS shows once (a key pair's private key, an access key's secret)
    that could not be stored where it belongs: deleting it again leaves no credential
    that nobody holds. The caller re-raises ``cause`` afterwards.

    Raises:
        ServiceError: the undo failed too; the message says to delete it by hand.

    Args:
        undo: The call that deletes what was created.
        cause: The error that stopped the write.
    """
    try:
        undo()
    except DevOpsError as again:
        raise ServiceError(
            f"{cause.message} The new credential could not be deleted again either "
            f"({again.message}); delete it by hand.",
            code=getattr(cause, "code", ""),
        ) from cause


def ec2_call(
    ec2: Any,
    method: str,
    action: str,
    *,
    resource: str | None = None,
    region: str | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Make an EC2 write after previewing it with ``DryRun=True``.

    AWS answers the preview with ``DryRunOperation`` (the write role may do it) or
    ``UnauthorizedOperation`` (it may not: raised here, nothing changed). A
    stand-in that ignores ``DryRun`` (moto does for a few calls, e.g.
    CreateRouteTable, CreateNatGateway, DeleteSubnet) has already made the change
    when it answers normally; that answer is then the result, and the call is
    never made twice.

    Args:
        ec2: an EC2 client of the write session.
        method: the client method, e.g. ``"create_security_group"``.
        action: the IAM action, e.g. ``"ec2:CreateSecurityGroup"``.
        resource: what the call is about, for error messages.
        region: the region, for error messages.
        **params: the call's parameters (without ``DryRun``).

    Returns:
        The call's answer.
    """
    call = getattr(ec2, method)
    with write_errors(action, resource=resource, region=region):
        try:
            answer: dict[str, Any] = call(DryRun=True, **params)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "DryRunOperation":
                raise
        else:
            return answer
        result: dict[str, Any] = call(**params)
        return result


def send_ec2(
    session: Any,
    region: str,
    operation: str,
    *,
    resource: str | None = None,
    ec2: Any = None,
    **params: Any,
) -> dict[str, Any]:
    """Make one EC2 write in ``region``: the region checked, then :func:`ec2_call`.

    Args:
        session: The **write** session of an approved plan.
        region: The region (checked against botocore's list, offline).
        operation: The API operation, e.g. ``ModifyImageAttribute``; its IAM action is
            ``ec2:OPERATION``.
        resource: What the call is about, for error messages.
        ec2: A client of the write session to reuse (an executor that sends several
            requests); one is made when ``None``.
        **params: The call's parameters (without ``DryRun``).

    Returns:
        The call's answer.
    """
    from devops_agent.aws import check_region, client

    region = check_region(session, region)
    ec2 = ec2 or client(session, "ec2", region)
    return ec2_call(
        ec2, xform_name(operation), f"ec2:{operation}", resource=resource, region=region, **params
    )


def ec2_arn(kind: str, ident: str, *, account: bool = True) -> str:
    """An EC2 ARN pattern for a session policy.

    ``{partition}``, ``{region}`` and ``{account}`` stay in braces (filled in from the plan).
    AMIs and snapshots owned by AWS have no account in their ARN.

    Args:
        kind: The resource type, e.g. ``instance`` or ``security-group``.
        ident: The resource's id, or ``*`` for any of that type.
        account: Whether the ARN names the account (``False`` for AWS-owned images).

    Returns:
        The pattern, e.g. ``arn:{partition}:ec2:{region}:{account}:instance/i-0123…``.
    """
    owner = "{account}" if account else ""
    return f"arn:{{partition}}:ec2:{{region}}:{owner}:{kind}/{ident}"


def ec2_request(
    operation: str,
    params: dict[str, Any] | None = None,
    *,
    region: str | None,
    resources: tuple[str, ...],
    uses: tuple[str, ...] = (),
    conditions: dict[str, dict[str, list[str]]] | None = None,
    extra: tuple[Grant, ...] = (),
    dry_run: bool = True,
    when: str = "",
) -> ApiCall:
    """One EC2 request as an executor sends it; its IAM action is ``ec2:OPERATION``.

    Every EC2 and VPC write declares its requests with it, so that they all read one
    form: the service, the action named after the operation, the region the entry works
    in, and ``DryRun`` (which :func:`ec2_call` sends first, and ``apply --dry-run`` alone).

    Args:
        operation: The API operation, e.g. ``DeleteSubnet``.
        params: Its parameters exactly as boto3 is given them (without ``DryRun``).
        region: The region the entry works in (its preview fixed it); ``None`` for an
            entry no preview wrote, shown with no region.
        resources: The ARN patterns it acts on (see :func:`ec2_arn`).
        uses: The ARN patterns it names without changing them (a launch's AMI and subnet).
        conditions: Conditions on its own action (a create token's tag).
        extra: Further authorizations the same request needs (``ec2:CreateTags``).
        dry_run: Whether the API takes ``DryRun`` (``ModifySubnetAttribute`` does not).
        when: Empty when it is always sent; otherwise when.

    Returns:
        The declared call.
    """
    return ApiCall(
        service="ec2",
        operation=operation,
        params=params or {},
        action=f"ec2:{operation}",
        region=region or "",
        resources=resources,
        uses=uses,
        conditions=conditions or {},
        extra=extra,
        dry_run=dry_run,
        when=when,
    )


def resource_id(value: str, prefix: str, what: str) -> str:
    """An EC2 resource id, lower-cased, after checking its shape.

    Args:
        value: what was typed, e.g. ``"sg-0123456789abcdef0"``.
        prefix: the id prefix, e.g. ``"sg"``.
        what: the resource's name in messages, e.g. ``"security group"``.

    Returns:
        The id, trimmed and lower-cased.

    Raises:
        BadInput: not ``prefix-`` followed by 8 or 17 hex digits.
    """
    cleaned = value.strip().lower()
    if not re.fullmatch(f"{re.escape(prefix)}-{_ID}", cleaned):
        raise BadInput(
            f"Not a {what} id: '{value}'. {what.capitalize()} ids look like "
            f"{prefix}-{_ID_EXAMPLE} ({prefix}- followed by 8 or 17 hex digits)."
        )
    return cleaned


def cidr_block(value: str, *, ipv6: bool = True) -> str:
    """A CIDR block in canonical form, e.g. ``10.0.0.0/8``.

    Raises:
        BadInput: not a CIDR, host bits set, or IPv6 where only IPv4 is allowed.

    Args:
        value: What was typed.
        ipv6: Whether an IPv6 block is allowed.

    Returns:
        The block, canonical (``10.0.0.0/8``, ``2001:db8::/56``).
    """
    text = value.strip()
    if "/" not in text:
        raise BadInput(f"'{value}' is not a CIDR block; write it as 10.0.0.0/16 or 2001:db8::/56.")
    try:
        network = ipaddress.ip_network(text, strict=True)
    except ValueError as exc:
        try:
            loose = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise BadInput(f"'{value}' is not a CIDR block ({exc}).") from None
        raise BadInput(f"'{value}' has host bits set; did you mean {loose}?") from None
    if network.version == 6 and not ipv6:
        raise BadInput(f"'{value}' is IPv6; an IPv4 CIDR block is needed here.")
    return str(network)


def tag_map(raw: Mapping[str, str] | None = None, *specs: str) -> dict[str, str]:
    """Tags from ``KEY=VALUE`` pairs and comma lists of them, checked for AWS's rules.

    Args:
        raw: pairs already split, e.g. ``{"env": "prod"}``.
        *specs: strings like ``"env=prod,team=web"``.

    Returns:
        Tag key to value, the later of two equal keys winning.

    Raises:
        BadInput: a tag without ``=``, an ``aws:`` key, or characters AWS rejects.
    """
    tags: dict[str, str] = dict(raw or {})
    for spec in specs:
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, eq, value = part.partition("=")
            if not eq:
                raise BadInput(f"Tag '{part}' needs a value: write KEY=VALUE.")
            tags[key.strip()] = value.strip()
    for key, value in tags.items():
        if key.lower().startswith("aws:"):
            raise BadInput(f"Tag key '{key}': keys starting with aws: are reserved by AWS.")
        if not _TAG_KEY.match(key) or not _TAG_VALUE.match(value):
            raise BadInput(
                f"Tag {key}={value} is not allowed: keys are 1-128 and values 0-256 letters, "
                "digits, spaces and _ . : / = + - @."
            )
    if len(tags) > 50:
        raise BadInput(f"{len(tags)} tags given; AWS allows at most 50 per resource.")
    return tags


def tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """AWS's ``[{"Key": k, "Value": v}]`` form of a tag dict, sorted by key.

    Args:
        tags: Tag key to value.

    Returns:
        The tag list.
    """
    return [{"Key": k, "Value": v} for k, v in sorted(tags.items())]


def delete_ec2_resource(
    session: Any, region: str, value: str, *, prefix: str, what: str, action: str, param: str
) -> Change:
    """Delete one EC2 resource by id: check the region and id, call, report.

    Args:
        session: the write session.
        region: where the resource lives.
        value: the id as typed, e.g. ``"sg-0123456789abcdef0"``.
        prefix: the id prefix (``sg``, ``vpc``, ``subnet``, ``rtb``).
        what: the resource's name in messages.
        action: the IAM action, e.g. ``ec2:DeleteSecurityGroup`` (the API method follows).
        param: the API's id parameter, e.g. ``GroupId``.
    """
    from devops_agent.aws import check_region

    region = check_region(session, region)
    wanted = resource_id(value, prefix, what)
    send_ec2(session, region, action.split(":", 1)[1], resource=wanted, **{param: wanted})
    return Change(action=action, resource=wanted, message=f"deleted {wanted}")


def _tag_pairs(value: Any) -> Any:
    """``[{"key": k, "value": v}, ...]`` (how a tool call gives tags) as a dict."""
    if not isinstance(value, list):
        return value
    tags: dict[str, str] = {}
    for pair in value:
        if not isinstance(pair, dict) or not isinstance(pair.get("key"), str):
            raise BadInput('Give tags as {"key": ..., "value": ...} pairs.')
        tags[pair["key"]] = str(pair.get("value") or "")
    return tags


#: A tool's JSON schema for tags: a list of pairs, since a strict schema has no open maps.
_TAG_PAIRS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"key": {"type": "string"}, "value": {"type": "string"}},
        "required": ["key", "value"],
        "additionalProperties": False,
    },
}

Tags = Annotated[
    dict[str, str],
    Pairs(option="--tag"),
    BeforeValidator(_tag_pairs),
    AfterValidator(lambda tags: tag_map(tags)),
    WithJsonSchema(_TAG_PAIRS),
    Field(default_factory=dict),
]
"""Tags typed as ``KEY=VALUE`` words or ``--tag K=V,...``, checked for AWS's rules.

A tool gives them as ``[{"key": k, "value": v}]`` (its JSON schema says so: strict
tool schemas allow no open maps); plans record them as a plain map."""
