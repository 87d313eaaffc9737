"""Watching EC2 instances until they reach a state: ``ec2 watch ID... [--until S]``.

An apply reads a stop back as ``stopping`` (in progress) while AWS shuts the instance
down, which takes from seconds to minutes. "Stop web-1 and tell me when it is down" then
needs a wait, not a model asking ``describe_instances`` again every second until its
turns run out: :func:`watch_instances` polls ``DescribeInstances`` with growing pauses,
bounded by the run's time, and returns what it last read, whether every instance got
there, and why it stopped early (an instance that can no longer get there: terminated
while waiting to be stopped). It is a read: the agent's ``watch_instances`` tool, and the
command an in-progress apply row points to.

Hand-written rather than boto3's waiters (``instance_stopped``…): a waiter sleeps a fixed
delay, raises on the first state it cannot pass and on time-out with only the raw
response, while the comment and the model need the states as read, the time waited and
the reason; the loop is the same shape as ``workflows watch``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from devops_agent.aws import AwsModel, InRegion, one_region
from devops_agent.aws.ec2.instances import InstanceIds, describe_instances
from devops_agent.operation import Command, Lower, Option, Positional, Read, Reader
from devops_agent.report import Result, Table, plural

if TYPE_CHECKING:
    import boto3

__all__ = ["MAX_WATCH", "InstancesWatched", "watch_instances"]

#: Longest wait of one ``ec2 watch`` or ``watch_instances`` (the tool's own time limit is
#: 30 s more); less when the run has less time left.
MAX_WATCH = 300.0
#: Seconds the run keeps after a watch, to answer.
_KEEP = 60.0

Settled = Literal["running", "stopped", "terminated"]

#: States from which an instance can no longer reach each target (``gone``: not found).
_NEVER: dict[str, frozenset[str]] = {
    "running": frozenset({"shutting-down", "terminated", "gone"}),
    "stopped": frozenset({"shutting-down", "terminated", "gone"}),
    "terminated": frozenset(),
}


class InstancesWatched(AwsModel):
    """How watching instances ended."""

    region: str
    until: str
    """The state waited for."""
    states: dict[str, str]
    """Instance id → its state as last read (``gone`` when it no longer exists)."""
    reached: bool
    """True when every instance was in ``until`` at the last read."""
    why: str = ""
    """Why the watch ended without ``reached``: the time ran out, or an instance can no
    longer get there."""
    waited: float
    """Seconds spent watching."""
    polls: int
    """DescribeInstances requests sent."""


def watch_instances(
    session: boto3.Session,
    region: str,
    ids: list[str],
    until: str,
    *,
    timeout: float,
    first_wait: float = 2.0,
    max_wait: float = 15.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> InstancesWatched:
    """Read the instances until each is in ``until``, one cannot get there, or time is up.

    Waits grow exponentially (``first_wait``, doubling, at most ``max_wait``), the last
    one cut to end at the timeout; each read is one ``DescribeInstances`` request.

    Args:
        session: Credentials to read with (the read role).
        region: The region the instances live in.
        ids: Instance ids, at most 50.
        until: ``running``, ``stopped`` or ``terminated``.
        timeout: Seconds to watch at most.
        first_wait: Seconds before the second read; the wait doubles each time.
        max_wait: Longest wait between two reads.
        sleep: How to wait (tests pass one that changes the instances meanwhile).
        clock: The clock.

    Returns:
        The states as last read and how the watch ended.

    Raises:
        BadInput: An id is malformed.
        ServiceError: AWS refused the read (an unknown id is ``InvalidInstanceID.NotFound``
            on the first read; one that disappears later is ``gone``).
    """
    start = clock()
    polls, wait, why = 0, first_wait, ""

    def read() -> dict[str, str]:
        nonlocal polls
        polls += 1
        found = {i.id: i.state for i in describe_instances(session, region, ids)}
        return {i: found.get(i, "gone") for i in ids}

    states = read()
    while not all(s == until for s in states.values()):
        stuck = sorted(i for i, s in states.items() if s in _NEVER[until])
        if stuck:
            why = f"{', '.join(f'{i} is {states[i]}' for i in stuck)}: it cannot become {until}"
            break
        remaining = timeout - (clock() - start)
        if remaining <= 0:
            why = f"not every instance was {until} after {round(timeout, 1):g} s"
            break
        sleep(min(wait, remaining))
        wait = min(wait * 2, max_wait)
        states = read()
    reached = all(s == until for s in states.values())
    return InstancesWatched(
        region=region,
        until=until,
        states=states,
        reached=reached,
        why="" if reached else why,
        waited=round(clock() - start, 1),
        polls=polls,
    )


class WatchInstancesArgs(InRegion):
    """Arguments of ``ec2 watch``."""

    instance_ids: Annotated[InstanceIds, Positional(rest=True)]
    """The instance ids (i-...), all in one region, at most 50."""
    until: Annotated[Settled, Lower, Option("--until")] = "stopped"
    """The state to wait for: running, stopped or terminated."""
    timeout_seconds: Annotated[float | None, Option("--timeout"), Field(gt=0)] = None
    """Longest wait in seconds, at most 300; null for 300 (less when the run has less
    time left)."""


def _limit(reader: Reader, asked: float | None) -> float:
    """Seconds to watch: as asked, at most :data:`MAX_WATCH`, and leaving the run a minute
    to answer (its deadline, or ``timeout-seconds`` when it has none)."""
    deadline = getattr(reader, "deadline", None)
    left = (
        deadline - time.monotonic()
        if isinstance(deadline, float)
        else float(reader.settings.timeout_seconds)
    )
    most = max(min(MAX_WATCH, left - _KEEP), 1.0)
    return min(asked or most, most)


def _watch(reader: Reader, args: WatchInstancesArgs) -> InstancesWatched:
    region = one_region(reader, args.region, "`ec2 watch`")
    timeout = _limit(reader, args.timeout_seconds)
    return watch_instances(reader.session(), region, args.instance_ids, args.until, timeout=timeout)


def _watch_result(reader: Reader, args: WatchInstancesArgs, watched: InstancesWatched) -> Result:
    rows = [[i, s] for i, s in watched.states.items()]
    count = plural(len(rows), "instance")
    text = f"Watched for {watched.waited:.0f} s ({plural(watched.polls, 'read')})."
    table = Table(columns=["Instance", "State"], rows=rows)
    data = {"watch": watched.model_dump(mode="json")}
    if watched.reached:
        title = f"{count} {watched.until} in {watched.region}"
        return Result(title=title, text=text, tables=[table], data=data)
    return Result(
        status="failure",
        exit_code=1,
        title=f"Not {watched.until} yet: {watched.why}",
        text=f"{text}\n\nWatch again, or raise `--timeout`.",
        tables=[table],
        data=data,
    )


WATCH = Read(
    name="ec2.watch_instances",
    args=WatchInstancesArgs,
    summary="Wait until instances reach a state (backing off) and report their states.",
    service="ec2",
    commands=(
        Command(
            "ec2 watch ID... [--until running|stopped|terminated] [--timeout S]",
            "Wait until instances reach a state (stopped unless --until).",
        ),
    ),
    guide="Use it after an apply left instances in progress (stopping, pending, "
    'shutting-down) and the user asked to be told when they are done ("tell me when it '
    'is down"): one call waits, polling with growing pauses, up to 5 minutes. Returns '
    "reached=false with why when time ran out or an instance cannot get there; never "
    "report a state it did not read.",
    actions=("ec2:DescribeInstances",),
    timeout=MAX_WATCH + 30,
    read=_watch,
    render=_watch_result,
)

OPERATIONS = (WATCH,)
