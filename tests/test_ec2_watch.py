"""``ec2 watch`` / ``watch_instances``: waiting until instances reach a state.

moto changes an instance's state at once, so the waits here change it between two reads
(the ``sleep`` the watch is given stops or terminates an instance in moto), and a fake
clock runs the time out. The command goes through the real command language.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from devops_agent.aws.ec2.watch import MAX_WATCH, watch_instances
from devops_agent.errors import BadInput, ServiceError
from devops_agent.testing import make_context

REGION = "us-east-1"


@pytest.fixture(scope="module")
def session() -> Iterator[Any]:
    import boto3
    from moto import mock_aws

    with mock_aws():
        yield boto3.Session(region_name=REGION)


@pytest.fixture
def ec2(session):
    return session.client("ec2", region_name=REGION)


@pytest.fixture
def two(ec2) -> list[str]:
    """Two running instances."""
    image = ec2.register_image(
        Name="app", Architecture="x86_64", RootDeviceName="/dev/xvda", VirtualizationType="hvm"
    )["ImageId"]
    found = ec2.run_instances(ImageId=image, MinCount=2, MaxCount=2, InstanceType="t3.micro")
    return sorted(i["InstanceId"] for i in found["Instances"])


class Clock:
    """A clock that moves only when the watch sleeps; each sleep may change the estate."""

    def __init__(self, *changes: Any) -> None:
        self.now, self.slept, self.changes = 0.0, [], list(changes)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        if self.changes:
            self.changes.pop(0)()


def test_watching_waits_until_every_instance_is_stopped(session, ec2, two):
    clock = Clock(
        lambda: ec2.stop_instances(InstanceIds=two[:1]),
        lambda: None,
        lambda: ec2.stop_instances(InstanceIds=two[1:]),
    )
    watched = watch_instances(
        session, REGION, two, "stopped", timeout=60, sleep=clock.sleep, clock=clock
    )
    assert watched.reached and watched.why == ""
    assert watched.states == {two[0]: "stopped", two[1]: "stopped"}
    assert watched.polls == 4 and clock.slept == [2.0, 4.0, 8.0]  # backing off
    assert watched.waited == 14.0


def test_a_watch_already_done_reads_once(session, ec2, two):
    ec2.stop_instances(InstanceIds=two)
    clock = Clock()
    watched = watch_instances(
        session, REGION, two, "stopped", timeout=60, sleep=clock.sleep, clock=clock
    )
    assert watched.reached and watched.polls == 1 and clock.slept == []


def test_an_instance_that_can_never_get_there_ends_the_watch(session, ec2, two):
    clock = Clock(lambda: ec2.terminate_instances(InstanceIds=two[1:]))
    watched = watch_instances(
        session, REGION, two, "stopped", timeout=300, sleep=clock.sleep, clock=clock
    )
    assert not watched.reached
    assert watched.why == f"{two[1]} is terminated: it cannot become stopped"
    assert watched.states[two[0]] == "running" and watched.polls == 2


def test_the_watch_ends_at_its_time_limit_with_what_it_read(session, two):
    clock = Clock()
    watched = watch_instances(
        session, REGION, two, "stopped", timeout=20, sleep=clock.sleep, clock=clock
    )
    assert not watched.reached and watched.why == "not every instance was stopped after 20 s"
    assert set(watched.states.values()) == {"running"}
    assert clock.slept == [2.0, 4.0, 8.0, 6.0]  # the last wait cut to the limit
    assert clock.now == 20.0 and watched.polls == 5


def test_bad_ids_are_refused_before_any_wait(session):
    clock = Clock()
    with pytest.raises(BadInput):
        watch_instances(session, REGION, ["web-1"], "stopped", timeout=5, sleep=clock.sleep)
    with pytest.raises(ServiceError) as missing:
        watch_instances(
            session, REGION, ["i-0123456789abcdef0"], "stopped", timeout=5, sleep=clock.sleep
        )
    assert "i-0123456789abcdef0" in missing.value.message and clock.slept == []


def test_the_command_answers_with_the_states(session, ec2, two, tmp_path):
    from devops_agent.commands import run_command

    ctx = make_context(workspace=tmp_path, session=session, aws_regions=(REGION,))
    ec2.stop_instances(InstanceIds=two)
    done = run_command(ctx, f"ec2 watch {' '.join(two)}")
    assert done is not None and done.status == "success" and done.exit_code == 0
    assert done.title == f"2 instances stopped in {REGION}"
    assert done.tables[0].rows == [[two[0], "stopped"], [two[1], "stopped"]]
    ec2.start_instances(InstanceIds=two[:1])
    waiting = run_command(ctx, f"ec2 watch {two[0]} --until STOPPED --timeout 0.2")
    assert waiting is not None and waiting.exit_code == 1
    assert waiting.title == "Not stopped yet: not every instance was stopped after 0.2 s"
    assert waiting.data["watch"]["states"] == {two[0]: "running"}
    with pytest.raises(BadInput):
        run_command(ctx, f"ec2 watch {two[0]} --until rebooted")


def test_a_watch_leaves_the_run_time_to_answer(session, two, tmp_path):
    import time

    from devops_agent.aws.ec2.watch import WATCH, WatchInstancesArgs, _limit

    ctx = make_context(workspace=tmp_path, session=session, aws_regions=(REGION,))
    assert _limit(ctx, None) == MAX_WATCH and _limit(ctx, 30) == 30
    ctx.deadline = time.monotonic() + 100  # a run with 100 s left watches 40 at most
    assert 39 <= _limit(ctx, None) <= 40 and 39 <= _limit(ctx, 600) <= 40
    ctx.deadline = time.monotonic() + 10
    assert _limit(ctx, None) == 1.0
    assert WATCH.timeout == MAX_WATCH + 30
    assert WatchInstancesArgs(instance_ids=two).until == "stopped"
