"""Every example program runs offline against the sandbox and says what it should."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent / "examples"
EXPECT = {
    "openai_agents_ec2_example.py": [
        "Answer from the EC2 agent",
        "web-1 (i-",
        "web-2 (i-",
        "triage → EC2",
    ],
    "openai_agents_github_example.py": [
        "Answer from the GitHub agent",
        "AccessDenied",
        "Upload artifacts",
    ],
    "openai_agents_deployment_example.py": [
        "Dispatches so far: 0",
        "applied by @bob",
        "GitHub received: ref=main inputs={'environment': 'staging'}",
        "finished: success",
    ],
}


def test_every_example_is_tested():
    assert {p.name for p in EXAMPLES.glob("*.py")} == set(EXPECT)


@pytest.mark.parametrize("name", sorted(EXPECT))
def test_example_runs_offline(name):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI_", "AWS_ENDPOINT", "GITHUB_"))
    }
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for text in EXPECT[name]:
        assert text in proc.stdout, text
    assert "Traceback" not in proc.stderr
