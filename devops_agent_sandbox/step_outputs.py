"""What a GitHub Actions runner reads back from a step: its ``GITHUB_OUTPUT`` file, for the
tests, benchmarks and the self-test that run the action as a step."""

from __future__ import annotations

from pathlib import Path

__all__ = ["read_outputs"]


def read_outputs(path: Path) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT file (``name<<DELIM`` heredocs and ``name=value`` lines).

    Args:
        path: The file the step wrote.

    Returns:
        Each output's value by name (a later line wins, as on the runner).
    """
    outputs: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line:
            name, delim = line.split("<<", 1)
            value: list[str] = []
            i += 1
            while i < len(lines) and lines[i] != delim:
                value.append(lines[i])
                i += 1
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value_ = line.split("=", 1)
            outputs[name] = value_
        i += 1
    return outputs
