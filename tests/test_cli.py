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
        ("moto", "pip install 'devops-agent[sandbox]'"),
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
