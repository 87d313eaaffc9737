"""Shared plumbing for every AWS read: clients, regions, errors, fan-out, pagination.

* :func:`client` builds a boto3 client with :data:`BOTO_CONFIG` (adaptive retries,
  timeouts, our user agent). Endpoints come from ``AWS_ENDPOINT_URL`` through
  botocore itself; nothing here names a host.
* :func:`check_region` validates a region name offline, from botocore's own
  endpoint data, and suggests the closest real names.
* :func:`aws_errors` (and :func:`call`) turn botocore failures into a
  :class:`~devops_agent.errors.ServiceError` whose message says what was refused,
  for whom, and how to fix it; ``code`` keeps the AWS error code.
* :func:`across_regions` runs one function per region concurrently; when the run
  collects investigation gaps (:mod:`devops_agent.gaps`), a region that fails while
  others answer is recorded as a gap and the others' results are returned.
* :func:`pages` walks a paginator, so no list is ever cut at the first page.
* :func:`parse_timestamp` reads the ISO 8601 UTC timestamps AWS sends (``...Z``)
  with :meth:`datetime.fromisoformat` instead of botocore's ``dateutil`` parser,
  which took a sixth of an audit's CPU; anything else still goes to botocore's.

Threads: a boto3 ``Session`` is not thread-safe, its clients are. :func:`client`
creates clients under one process-wide lock, so a function handed to
:func:`across_regions` may build its clients inside the worker thread from the
shared session; only the (cheap, rare) creation is serialised, the API calls run
in parallel. Credentials stay those of the one session (an assumed role keeps
refreshing in one place), which one-session-per-thread could not promise.
"""

from __future__ import annotations

import contextvars
import difflib
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar, overload

from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
    PartialCredentialsError,
    ReadTimeoutError,
    TokenRetrievalError,
)
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.utils import parse_timestamp as botocore_timestamp
from pydantic import BaseModel, ConfigDict

from devops_agent import __version__, gaps, tracing
from devops_agent.errors import BadInput, ConfigError, ServiceError, UnknownRegion
from devops_agent.operation import Args, Option, Reader

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_iam import IAMClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sts import STSClient

__all__ = [
    "BOTO_CONFIG",
    "MAX_REGIONS",
    "MAX_RETRIES",
    "PROTOCOL_NAMES",
    "AwsModel",
    "InRegion",
    "Regions",
    "across_regions",
    "aws_errors",
    "call",
    "check_region",
    "client",
    "failure_kind",
    "known_regions",
    "named",
    "one_region",
    "pages",
    "parse_timestamp",
    "regions_for",
    "tags_of",
    "translate",
    "utc",
    "vpc_filter",
]

T = TypeVar("T")

#: Retries after the first attempt before a throttled or failed call gives up
#: (botocore's ``Config(retries={"max_attempts": ...})`` counts retries: 9 tries in all).
MAX_RETRIES = 8

_CONNECTIONS = 16  # open connections a client keeps for reuse

#: The one client configuration: adaptive retries (client-side rate limiting on
#: throttling), bounded connect/read waits, and a user agent that tells CloudTrail
#: readers which calls came from us.
BOTO_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": MAX_RETRIES},
    connect_timeout=5,
    read_timeout=30,
    max_pool_connections=_CONNECTIONS,
    user_agent_extra=f"devops-agent/{__version__}",
)

#: Services with one global endpoint: they work without a configured region.
_GLOBAL_SERVICES = frozenset({"iam", "s3", "sts", "organizations", "route53", "cloudfront"})
_FALLBACK_REGION = "us-east-1"

#: The words for the IP protocol numbers EC2 reports in security group and network ACL
#: rules (``-1`` is every protocol).
PROTOCOL_NAMES = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}

_client_lock = threading.Lock()
_VPC_ID = re.compile(r"^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$")


@overload
def client(
    session: boto3.Session,
    service: Literal["ec2"],
    region: str | None = None,
    *,
    connections: int | None = None,
) -> EC2Client: ...
@overload
def client(
    session: boto3.Session,
    service: Literal["s3"],
    region: str | None = None,
    *,
    connections: int | None = None,
) -> S3Client: ...
@overload
def client(
    session: boto3.Session,
    service: Literal["iam"],
    region: str | None = None,
    *,
    connections: int | None = None,
) -> IAMClient: ...
@overload
def client(
    session: boto3.Session,
    service: Literal["sts"],
    region: str | None = None,
    *,
    connections: int | None = None,
) -> STSClient: ...
@overload
def client(
    session: boto3.Session,
    service: str,
    region: str | None = None,
    *,
    connections: int | None = None,
) -> Any: ...
def client(
    session: boto3.Session,
    service: str,
    region: str | None = None,
    *,
    connections: int | None = None,
) -> Any:
    """A boto3 client for ``service`` in ``region`` with :data:`BOTO_CONFIG`.

    Safe to call from several threads with one session (see the module docstring).

    Args:
        session: the session holding the credentials (read or write role).
        service: the boto3 service name, e.g. ``"ec2"``.
        region: the region; the session's region when ``None``, and ``us-east-1``
            for global services (IAM, S3, STS) when neither is set.
        connections: open connections the client keeps for reuse, when more threads
            than :data:`BOTO_CONFIG`'s 16 call through it at once (the audit's shared
            clients); beyond it each call would open, and drop, a connection of its own.

    Returns:
        The client. Its endpoint follows ``AWS_ENDPOINT_URL[_<SERVICE>]`` when set.
        Calls that read secret material are refused on it (:mod:`.denylist`).

    Raises:
        ConfigError: a regional service was asked for without any region.
    """
    name = region or session.region_name
    if not name and service in _GLOBAL_SERVICES:
        name = _FALLBACK_REGION
    from devops_agent.aws import denylist

    config = BOTO_CONFIG
    if connections is not None and connections > _CONNECTIONS:
        config = BOTO_CONFIG.merge(Config(max_pool_connections=connections))
    with _client_lock:
        _parse_timestamps_fast(session)
        try:
            return denylist.install(
                session.client(service, region_name=name, config=config)  # type: ignore[call-overload]
            )
        except NoRegionError as exc:
            raise ConfigError(
                f"No AWS region is set for {service}.",
                remedy="Set the aws-region input, pass --region, or set AWS_REGION.",
            ) from exc


def parse_timestamp(value: Any) -> datetime:
    """A response timestamp as botocore's own parser reads it, faster for the usual form.

    AWS sends ``2024-05-01T12:00:00.000Z``; :meth:`datetime.fromisoformat` reads that in
    a microsecond where ``dateutil`` takes about thirty. Any other form (an offset, no
    zone, RFC 822, epoch seconds) goes to botocore's :func:`botocore.utils.parse_timestamp`,
    so every value equals what botocore would return (UTC as :data:`datetime.UTC`
    where botocore says ``tzutc()``: the same instant, and :func:`utc` makes both ``UTC``).

    Args:
        value: The timestamp as the response carried it (text, epoch seconds, a datetime).

    Returns:
        That instant as an aware datetime.
    """
    if isinstance(value, str) and len(value) > 19 and value[10] == "T" and value[-1] == "Z":
        try:
            return datetime.fromisoformat(value[:-1]).replace(tzinfo=UTC)
        except ValueError:
            pass
    return botocore_timestamp(value)


def _parse_timestamps_fast(session: boto3.Session) -> None:
    """Make every client of ``session`` parse timestamps with :func:`parse_timestamp`.

    botocore makes a response parser per request from its session's factory, so one
    default on that factory reaches every client of the session. boto3 keeps the
    botocore session in ``_session``; without it nothing changes.
    """
    core = getattr(session, "_session", None)
    if core is not None:
        factory = core.get_component("response_parser_factory")
        factory.set_parser_defaults(timestamp_parser=parse_timestamp)


# --------------------------------------------------------------------------- regions

_known_regions: frozenset[str] | None = None


def known_regions(session: boto3.Session) -> frozenset[str]:
    """Every region botocore's bundled endpoint data knows, over all partitions (offline).

    Args:
        session: Any boto3 session (only bundled data is read).

    Returns:
        Region names of every partition (commercial, China, GovCloud...).
    """
    global _known_regions  # a process-wide cache of static data
    if _known_regions is None:
        names: set[str] = set()
        for partition in session.get_available_partitions():
            names.update(session.get_available_regions("ec2", partition_name=partition))
        _known_regions = frozenset(names)
    return _known_regions


def check_region(session: boto3.Session, region: str) -> str:
    """Validate a region name without a network call.

    Args:
        session: any session; only botocore's bundled endpoint data is read.
        region: the name a user typed, e.g. ``"eu-west-1"``; case and spaces are forgiven.

    Returns:
        The normalised region name.

    Raises:
        UnknownRegion: no partition has that region; the message suggests close names.
    """
    name = region.strip().lower()
    known = known_regions(session)
    if name in known:
        return name
    close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
    if close:
        hint = f"Did you mean {_or_list(close)}?"
    else:
        hint = "Valid names look like us-east-1, eu-west-1 or ap-southeast-2."
    raise UnknownRegion(
        f"'{region}' is not an AWS region. {hint}",
        remedy="Pass a region code with --region or in the aws-region / aws-regions inputs.",
        link="https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-regions.html",
    )


def _or_list(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


# --------------------------------------------------------------------------- errors

_ACCESS_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "AuthorizationError",
        "Forbidden",
        "403",
    }
)
_BAD_CREDENTIALS = frozenset(
    {
        "AuthFailure",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidAccessKeyId",
        "InvalidClientTokenId",
        "InvalidToken",
        "RequestExpired",
        "SignatureDoesNotMatch",
        "UnrecognizedClientException",
    }
)
_THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "BandwidthLimitExceeded",
    }
)
_NOT_FOUND = frozenset({"NotFound", "404", "ResourceNotFoundException", "NoSuchEntityException"})
_OPT_IN = frozenset({"OptInRequired"})

#: The error codes of failures that never reached an AWS answer (:func:`translate`'s, and
#: ``EndpointUnreachable`` for an endpoint known in advance not to resolve, such as S3
#: Control's account host behind a local stand-in).
_UNREACHABLE = frozenset(
    {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "EndpointUnreachable"}
)

FailureKind = Literal[
    "denied", "credentials", "throttled", "opt_in", "unreachable", "not_found", "failed"
]


def failure_kind(code: str) -> FailureKind:
    """What kind of failure an error ``code`` of :func:`translate` names.

    The audit's "not audited" list says the real cause with it: a missing permission
    asks for a grant, an unreachable endpoint for a look at the network or
    ``AWS_ENDPOINT_URL`` (no call was answered, so no permission was judged).

    Args:
        code: An error code as :func:`translate` reports it (AWS's, or botocore's own).

    Returns:
        One of :data:`FailureKind`: ``denied``, ``credentials``, ``throttled``, ``opt_in``,
        ``unreachable``, ``not_found`` or ``failed``.
    """
    if code in _ACCESS_DENIED:
        return "denied"
    if code in _BAD_CREDENTIALS or code in ("NoCredentials", "CredentialRetrievalError"):
        return "credentials"
    if code in _THROTTLED:
        return "throttled"
    if code in _OPT_IN:
        return "opt_in"
    if code in _UNREACHABLE:
        return "unreachable"
    if code in _NOT_FOUND or code.endswith(".NotFound") or code.startswith("NoSuch"):
        return "not_found"
    return "failed"


_PRINCIPAL = re.compile(r"\barn:aws[a-z-]*:(?:iam|sts)::\d{12}:[\w+=,.@/:-]+")
_DENIED_ACTION = re.compile(r"perform: ([a-z0-9-]+:[A-Za-z0-9*]+)")
_ENCODED_BLOB = re.compile(r"\s*Encoded authorization failure message:.*", re.DOTALL)

_CREDENTIALS_REMEDY = (
    "In a workflow, set the aws-role-to-assume input to a read-only role that trusts "
    "GitHub's OIDC provider and give the job `permissions: id-token: write`; locally, "
    "use the standard AWS credential chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/"
    "AWS_SECRET_ACCESS_KEY, SSO or an instance role)."
)


def _where(region: str | None) -> str:
    return f" in {region}" if region else ""


def _aws_message(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    message = str(error.get("Message") or error.get("message") or "").strip()
    return _ENCODED_BLOB.sub("", message).strip()


def translate(
    exc: Exception, action: str, *, resource: str | None = None, region: str | None = None
) -> Exception:
    """The :mod:`devops_agent.errors` exception that explains a botocore failure.

    Args:
        exc: what botocore raised.
        action: the IAM action the call needs, e.g. ``"ec2:DescribeInstances"``.
        resource: the id or name the call was about, named in not-found messages.
        region: the region called, named in every message when given.

    Returns:
        A :class:`ServiceError` (``code`` = the AWS code, ``action`` = the IAM action
        refused: the one AWS names when access is denied, else ``action``), a
        :class:`BadInput` for a parameter botocore rejected locally, or ``exc`` itself
        when it is not botocore's.
    """
    error = _explain(exc, action, resource=resource, region=region)
    if isinstance(error, ServiceError) and not error.action:
        error.action = action
    return error


def _explain(
    exc: Exception, action: str, *, resource: str | None = None, region: str | None = None
) -> Exception:
    where = _where(region)
    about = f" {resource}" if resource else ""
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", "") or "Unknown")
        message = _aws_message(exc)
        if code in _ACCESS_DENIED:
            denied = _DENIED_ACTION.search(message)
            iam_action = denied.group(1) if denied else action
            principal = _PRINCIPAL.search(message)
            who = principal.group(0) if principal else "The AWS identity in use"
            explicit = " (an explicit deny)" if "explicit deny" in message.lower() else ""
            return ServiceError(
                f"Access denied{where}: {who} is not allowed to call {iam_action}"
                f"{' on' + about if about else ''}{explicit}.",
                code=code,
                action=iam_action,
                remedy=(
                    f'Add "{iam_action}" to the read role\'s policy (the role in the '
                    "aws-role-to-assume input), and check that no SCP, permissions "
                    "boundary or resource policy denies it."
                ),
            )
        if code in _BAD_CREDENTIALS:
            return ServiceError(
                f"AWS rejected the credentials for {action}{where} ({code}: {message}).",
                code=code,
                remedy=_CREDENTIALS_REMEDY,
            )
        if code in _THROTTLED:
            tries = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", MAX_RETRIES)
            return ServiceError(
                f"AWS kept throttling {action}{where}; it was retried {tries} times with "
                "adaptive backoff and still failed.",
                code=code,
                remedy="Wait a minute and run it again, or scan fewer regions at once.",
            )
        if code in _OPT_IN:
            return ServiceError(
                f"{region or 'This region'} is not enabled for this account, so {action} "
                "cannot run there.",
                code=code,
                remedy="Enable the region in the account settings or drop it from aws-regions.",
            )
        if code in _NOT_FOUND or code.endswith(".NotFound") or code.startswith("NoSuch"):
            return ServiceError(
                f"Not found{where}:{about or ' the requested resource'} ({action}: {message}).",
                code=code,
                remedy="Check the name or id and the region (--region).",
            )
        if code.endswith(".Malformed"):
            return ServiceError(
                f"AWS rejected the id{about} as malformed ({message}).",
                code=code,
                remedy="Check the id; copy it from a list command.",
            )
        return ServiceError(f"{action}{where} failed: {code}: {message}", code=code)
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return ServiceError(
            f"No AWS credentials were found for {action}.",
            code="NoCredentials",
            remedy=_CREDENTIALS_REMEDY,
        )
    if isinstance(exc, (CredentialRetrievalError, TokenRetrievalError)):
        return ServiceError(
            f"AWS credentials could not be loaded for {action}: {exc}",
            code="CredentialRetrievalError",
            remedy=_CREDENTIALS_REMEDY,
        )
    if isinstance(exc, (BotoConnectionError, ReadTimeoutError)):
        return ServiceError(
            f"Could not reach AWS for {action}{where}: {exc}",
            code="EndpointConnectionError",
            remedy=(
                "Check the network, the region name, and AWS_ENDPOINT_URL if you point "
                "at a local stand-in."
            ),
        )
    if isinstance(exc, ParamValidationError):
        return BadInput(f"Invalid arguments for {action}: {exc}")
    if isinstance(exc, BotoCoreError):
        return ServiceError(f"{action}{where} failed: {exc}", code=type(exc).__name__)
    return exc


@contextmanager
def aws_errors(
    action: str, *, resource: str | None = None, region: str | None = None
) -> Iterator[None]:
    """Turn botocore failures inside the block into explained errors (see :func:`translate`).

    Args:
        action: the IAM action the block needs, e.g. ``"s3:ListBucket"``.
        resource: the id or name the block is about.
        region: the region the block calls.

    Yields:
        Nothing; the block runs inside it.

    Raises:
        ServiceError: AWS refused or failed; ``code`` carries the AWS error code.
        BadInput: botocore rejected a parameter before sending it.
    """
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, action, resource=resource, region=region) from exc


def call(action: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` with botocore failures explained (see :func:`aws_errors`).

    Args:
        action: The IAM action the call needs, for messages.
        fn: The boto3 client method.
        args: Its positional arguments.
        kwargs: Its keyword arguments.

    Returns:
        Whatever ``fn`` returns.
    """
    with aws_errors(action):
        return fn(*args, **kwargs)


# --------------------------------------------------------------------------- helpers


class AwsModel(BaseModel):
    """Base of every AWS read model: immutable, attribute docstrings become descriptions."""

    model_config = ConfigDict(frozen=True, use_attribute_docstrings=True, extra="forbid")


def pages(
    aws_client: Any,
    operation: str,
    *,
    page_size: int | None = None,
    max_items: int | None = None,
    **params: Any,
) -> Iterator[dict[str, Any]]:
    """Every page of ``operation``, through botocore's paginator.

    Errors surface while iterating: iterate inside :func:`aws_errors`.

    Args:
        aws_client: a client from :func:`client`.
        operation: the snake_case operation, e.g. ``"describe_instances"``.
        page_size: items per request; the service default when ``None``.
        max_items: stop after this many items in total; all when ``None``.
        **params: the operation's own parameters.

    Returns:
        An iterator of response pages.
    """
    config: dict[str, int] = {}
    if page_size:
        config["PageSize"] = page_size
    if max_items:
        config["MaxItems"] = max_items
    paginator = aws_client.get_paginator(operation)
    yield from paginator.paginate(**params, PaginationConfig=config)


def across_regions(
    regions: Sequence[str], fn: Callable[[str], list[T]], *, max_workers: int = 8
) -> list[T]:
    """Run ``fn(region)`` for every region concurrently and join the results.

    ``fn`` may build clients from a shared session (see the module docstring).
    Every region runs to the end even when one fails, so a slow region never
    leaves threads behind.

    When a gap collector is open (:func:`devops_agent.gaps.collecting`: the command
    path and the agent open one around every read), a region that AWS refused or that
    failed while other regions answered is recorded as a gap (the region, the IAM
    action refused, AWS's code) and the other regions' results are returned: one
    region never sinks the answer, and the answer says what it could not see.

    Args:
        regions: region names; duplicates run once.
        fn: reads one region and returns a list.
        max_workers: most regions read at the same time.

    Returns:
        The concatenated results of the regions that answered, in the order of ``regions``.

    Raises:
        ServiceError: every region failed (the first error in region order), or one
            failed and no collector is open.
        Exception: anything else a region raised (a bad argument, a bug): never a gap.
    """
    unique = list(dict.fromkeys(regions))
    if len(unique) <= 1:
        return [item for region in unique for item in fn(region)]

    def one(region: str) -> list[T]:
        with tracing.span("region", region=region) as span:
            found = fn(region)
            span["items"] = len(found)
            return found

    with ThreadPoolExecutor(
        max_workers=min(max_workers, len(unique)), thread_name_prefix="aws-region"
    ) as pool:
        # Each region runs in a copy of the caller's context: its span nests under the
        # caller's, and a gap it leaves reaches the caller's collector.
        futures = [pool.submit(contextvars.copy_context().run, one, region) for region in unique]
    # Leaving the ``with`` block waited for every future.
    errors = [future.exception() for future in futures]
    for error in errors:
        if error is not None and not isinstance(error, ServiceError):
            raise error
    failed = [(region, e) for region, e in zip(unique, errors, strict=True) if e is not None]
    if failed and (len(failed) == len(unique) or not gaps.collecting()):
        raise failed[0][1]
    for region, error in failed:
        assert isinstance(error, ServiceError)
        gaps.record(error, region=region)
    results: list[T] = []
    for future, error in zip(futures, errors, strict=True):
        if error is None:
            results.extend(future.result())
    return results


def tags_of(resource: dict[str, Any]) -> dict[str, str]:
    """AWS's ``[{"Key": k, "Value": v}]`` tag list as a plain dict.

    Args:
        resource: An AWS resource as boto3 returns it.

    Returns:
        Tag key to value; empty when it has none.
    """
    return {t["Key"]: t.get("Value", "") for t in resource.get("Tags") or [] if "Key" in t}


@overload
def utc(value: datetime) -> datetime: ...
@overload
def utc(value: None) -> None: ...
def utc(value: datetime | None) -> datetime | None:
    """A timezone-aware UTC datetime (botocore returns local-zone ones), or ``None``.

    Args:
        value: A datetime, or ``None``.

    Returns:
        The same instant in UTC, or ``None``.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def vpc_filter(vpc_id: str | None) -> list[dict[str, Any]]:
    """The EC2 ``Filters`` that keep one VPC's resources (none for ``None``).

    Raises:
        BadInput: ``vpc_id`` is not ``vpc-`` followed by 8 or 17 hex digits.

    Args:
        vpc_id: A VPC id, or ``None`` for every VPC.

    Returns:
        ``[{"Name": "vpc-id", "Values": [id]}]``, or ``[]``.
    """
    if vpc_id is None:
        return []
    vpc = vpc_id.strip().lower()
    if not _VPC_ID.match(vpc):
        raise BadInput(
            f"Not a VPC id: {vpc_id}. VPC ids look like vpc-0123456789abcdef0 "
            "(vpc- followed by 8 or 17 hex digits)."
        )
    return [{"Name": "vpc-id", "Values": [vpc]}]


# --------------------------------------------------------------------------- regions in arguments

#: Most regions one read may scan.
MAX_REGIONS = 20


class Regions(Args):
    """Arguments of a read that may scan several regions."""

    region: Annotated[str | None, Option("--region")] = None
    """Region code such as eu-west-1, a comma list, or "all" for every configured region;
    null for the default region."""


class InRegion(Args):
    """Arguments of an operation that works in one region."""

    region: Annotated[str | None, Option("--region")] = None
    """The one region to work in, e.g. eu-west-1; null for the default region."""


def regions_for(reader: Reader, raw: str | None) -> list[str]:
    """The regions ``raw`` names: one, a comma list, ``all`` (the configured ones) or the
    default, checked against botocore's region list.

    Raises:
        BadInput: more than :data:`MAX_REGIONS`. UnknownRegion: a name AWS does not have.

    Args:
        reader: The read side of the run (its default and configured regions).
        raw: What ``--region`` said.

    Returns:
        The regions, normalised, without repeats.
    """
    text = (raw or "").strip()
    if not text:
        names = [reader.region]
    elif text.lower() == "all":
        names = list(reader.regions)
    else:
        names = [r.strip() for r in text.split(",") if r.strip()]
    if len(names) > MAX_REGIONS:
        raise BadInput(f"At most {MAX_REGIONS} regions at a time, not {len(names)}.")
    session = reader.session()
    return [check_region(session, n) for n in dict.fromkeys(n.lower() for n in names)]


def one_region(reader: Reader, raw: str | None, what: str = "This") -> str:
    """The one region ``raw`` names (the default when empty).

    Raises:
        BadInput: several regions named; changes work on one region at a time.

    Args:
        reader: The read side of the run (its default and configured regions).
        raw: What ``--region`` said; empty means the default.
        what: The command, for the message.

    Returns:
        The region's name.
    """
    regions = regions_for(reader, raw)
    if len(regions) != 1:
        raise BadInput(f"{what} works on one region at a time; name exactly one region.")
    return regions[0]


_NAMED_CODES = frozenset({"404", "NoSuchEntity"})


@contextmanager
def named() -> Iterator[None]:
    """A resource the user named that does not exist is a bad argument (exit 2), not a
    failed call: AWS's ``…NotFound``, ``NoSuch…`` and ``….Malformed`` become BadInput.

    Yields:
        Nothing; the block runs inside it.

    Raises:
        BadInput: the block raised a ServiceError whose code says the named resource does not
            exist or is malformed.
    """
    try:
        yield
    except ServiceError as exc:
        code = exc.code or ""
        if (
            code.endswith(("NotFound", ".Malformed"))
            or code.startswith("NoSuch")
            or code in _NAMED_CODES
        ):
            raise BadInput(exc.message, remedy=exc.remedy or "Check the name or id.") from exc
        raise
