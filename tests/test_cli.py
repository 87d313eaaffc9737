"""The console script: `run` against moto's server, `demo` end to end, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

CLI = [sys.executable, "-m", "devops_agent"]


def cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *args], capture_output=True, text=True, env=env or dict(os.environ), timeout=timeout
    )


@pytest.fixture
def local_env(server_session, aws_endpoint):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env["AWS_ENDPOINT_URL"] = aws_endpoint
    return env


def test_run_lists_instances(estate, local_env):
    proc = cli("run", "ec2 list --region eu-west-1", env=local_env)
    assert proc.returncode == 0, proc.stderr
    assert estate["instances"]["web-2"]["id"] in proc.stdout
    assert "1 EC2 instance in eu-west-1" in proc.stdout


def test_run_json(estate, local_env):
    proc = cli("run", "iam users", "--json", env=local_env)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert {u["name"] for u in data["data"]["users"]} == {"alice", "bob", "ci-deployer"}


@pytest.mark.parametrize(
    ("command", "code", "text"),
    [
        ("ec2 explode", 2, "not a command"),
        ("ec2 describe not-an-id", 2, "i-"),
        ("ec2 list --region mars-1", 2, "not an AWS region"),
        ("ec2 list --state sleeping", 2, "running"),
        ("s3 ls", 2, "Usage: s3 ls BUCKET"),
        ("s3 ls no-such-bucket-here", 1, "no-such-bucket-here"),
        ("ec2 list 'unbalanced", 2, "quotes"),
    ],
)
def test_run_bad_input(local_env, command, code, text):
    proc = cli("run", command, env=local_env)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert text in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def _closed_reader(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the CLI with a stdout whose reader is gone before the first byte (``| head -0``)."""
    read, write = os.pipe()
    os.close(read)  # every write now fails with EPIPE, however small the output
    try:
        return subprocess.run(
            [*CLI, *args], stdout=write, stderr=subprocess.PIPE, text=True, env=env, timeout=60
        )
    finally:
        os.close(write)


@pytest.mark.parametrize(
    "args", [("run", "iam users", "--json"), ("run", "iam users"), ("run", "help")]
)
def test_a_closed_pipe_ends_quietly(estate, local_env, args):
    """`devops-agent run "iam users" --json | head`: the reader left, so the rest of the
    output is dropped without a traceback or "internal error", exit 141 as for SIGPIPE."""
    from devops_agent.cli import EXIT_PIPE_CLOSED

    proc = _closed_reader(*args, env=local_env)
    assert proc.returncode == EXIT_PIPE_CLOSED == 141, proc.stderr
    assert proc.stderr == ""


def test_a_pipe_read_to_the_end_is_untouched(estate, local_env):
    """Control: with a reader that reads everything, the same command succeeds (0)."""
    proc = cli("run", "iam users", "--json", env=local_env)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["data"]["users"]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("iam user", "iam users"),
        ("users", "iam users"),
        ("workflow list", "workflows list"),
        ("lst ec2 instances", "ec2 list"),
        ("s3 lst", "s3 list"),
    ],
)
def test_a_near_miss_suggests_the_closest_commands(local_env, typed, meant):
    env = {k: v for k, v in local_env.items() if k != "OPENAI_API_KEY"}
    proc = cli("run", typed, env=env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    out = proc.stdout + proc.stderr
    assert f"`{meant}" in out
    assert len(out.splitlines()) < 30, "the whole help was dumped"
    assert "Traceback" not in out


def test_plain_language_on_the_command_line_points_to_help(local_env):
    env = {k: v for k, v in local_env.items() if k != "OPENAI_API_KEY"}
    proc = cli("run", "why is the web tier slow?", env=env)
    assert proc.returncode == 2
    assert "no model is configured" in proc.stdout
    assert "Nothing in the command language is close" in proc.stdout
    assert "devops-agent run help" in proc.stdout
    assert "| `" not in proc.stdout  # no table of unrelated commands


def test_no_command_prints_help_and_exits_2():
    proc = cli()
    assert proc.returncode == 2
    assert "action" in proc.stdout and "demo" in proc.stdout


def test_demo_runs_the_action_on_the_sandbox():
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "INPUT_", "AWS_ENDPOINT"))
    }
    proc = cli("demo", env=env, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    assert "@alice: /devops ec2 list" in out
    assert "web-1" in out and "worker-1" in out
    assert "acme-staging-uploads" in out
    assert "5 GitHub API requests" in out
    assert "Did you mean us-east-1" in out
    assert "@mallory: /devops ec2 list\n→ exit 3" in out
    assert "applied by @bob" in out and "running → stopping" in out
    assert "\n::" not in out  # workflow commands stay in the run's own log
    assert "Traceback" not in out + proc.stderr


#: Runs the console script with some modules hidden: ``sys.modules[name] = None`` makes
#: every import of ``name`` (and ``importlib.util.find_spec``) fail as if it were absent.
WITHOUT = (
    "import sys\n"
    "for name in sys.argv[1].split(','):\n"
    "    sys.modules[name] = None\n"
    "from devops_agent.cli import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


@pytest.mark.parametrize("verb", [["demo"], ["eval", "--scripted"]])
@pytest.mark.parametrize(
    ("hidden", "says"),
    [
        ("moto", "pip install 'devops-agent-action[sandbox]'"),
        ("devops_agent_sandbox", "pip install '.[sandbox]'"),
        ("devops_agent_sandbox,moto", "pip install '.[sandbox]'"),
    ],
)
def test_demo_and_eval_without_the_sandbox_say_how_to_install_it(verb, hidden, says):
    proc = subprocess.run(
        [sys.executable, "-c", WITHOUT, hidden, *verb],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert f"`devops-agent {verb[0]}` needs the sandbox" in lines[0]
    assert says in lines[0]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_an_earlier_abandoned_run_does_not_end_a_later_one_in_the_same_process(tmp_path):
    """``cli.main(["action"])`` exits the process at once only for work *its own* run
    abandoned: a flag left by an earlier in-process run (a test, a notebook) must not
    end the process (in a test run that would end pytest with exit 0, silently). Run in
    a child process, so that a regression is seen as the child dying, not as a pass."""
    import subprocess
    import sys

    event = tmp_path / "event.json"
    event.write_text("{}")
    env = {
        "PATH": "/usr/bin:/bin",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "acme/platform",
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
    }
    code = (
        "from devops_agent.app import ABANDONED\n"
        "from devops_agent import cli\n"
        "ABANDONED.set()\n"  # as an earlier run that timed out leaves it
        "print('code', cli.main(['action']))\n"
        "print('still here')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert "still here" in done.stdout, done.stdout + done.stderr
