"""Point action.yml at a pushed image: the one line a release commit changes.

The default branch's action.yml runs ``image: Dockerfile``, so ``uses: ./`` (development,
the self-test) builds from source. A release runs the prebuilt image instead; after the
image is pushed and pulled back, release.yml runs::

    python scripts/release_action.py --image ghcr.io/OWNER/REPO@sha256:DIGEST --version X.Y.Z

which rewrites ``runs.image`` to ``docker://ghcr.io/OWNER/REPO@sha256:DIGEST`` and leaves
every other byte of the file as it was, then commits that as ``action-vX.Y.Z`` (the
commit the major tag moves to). Only a digest is accepted: a tag can be pushed again,
a digest names exactly the image that was verified.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]

#: ``registry/name@sha256:<64 hex>``, lower case as registries require.
IMAGE = re.compile(r"^[a-z0-9.-]+(?::[0-9]+)?/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$")


class ReleaseError(ValueError):
    """The image reference or action.yml is not what a release can use."""


def released(text: str, image: str, version: str) -> str:
    """``text`` (action.yml) with ``runs.image`` naming ``image`` instead of the Dockerfile.

    Args:
        text: The default branch's action.yml.
        image: The pushed image by digest, without ``docker://``.
        version: The release's version, named in a comment above the line.

    Returns:
        The release's action.yml: one ``image:`` line changed, a comment added above it.

    Raises:
        ReleaseError: ``image`` is not ``registry/name@sha256:<digest>``, or action.yml
            does not run ``image: Dockerfile`` exactly once (already released, or changed).
    """
    if not IMAGE.match(image):
        raise ReleaseError(f"{image!r} is not an image by digest (registry/name@sha256:…)")
    lines = re.findall(r"^(\s+)image:\s*Dockerfile\s*$", text, re.M)
    if len(lines) != 1:
        raise ReleaseError("action.yml must have exactly one `image: Dockerfile` under runs:")
    indent = lines[0]
    new = (
        f"{indent}# devops-agent {version}, prebuilt (release.yml); the default branch builds "
        f"the Dockerfile.\n{indent}image: docker://{image}"
    )
    result = re.sub(r"^\s+image:\s*Dockerfile\s*$", lambda _m: new, text, count=1, flags=re.M)
    runs = yaml.safe_load(result)["runs"]
    if runs != {"using": "docker", "image": f"docker://{image}"}:
        raise ReleaseError(f"the rewritten runs: is {runs!r}")
    return result


def main(argv: list[str] | None = None) -> int:
    """Rewrite action.yml in place.

    Args:
        argv: ``--image REF@sha256:…``, ``--version X.Y.Z`` and optionally ``--action PATH``.

    Returns:
        0 when rewritten, 2 when the image or action.yml is not fit for a release.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", required=True, help="registry/name@sha256:DIGEST")
    parser.add_argument("--version", required=True, help="the release's version")
    parser.add_argument("--action", type=Path, default=ROOT / "action.yml")
    args = parser.parse_args(argv)
    try:
        text = released(args.action.read_text(encoding="utf-8"), args.image, args.version)
    except ReleaseError as exc:
        print(f"::error::{exc}")
        return 2
    args.action.write_text(text, encoding="utf-8")
    print(f"action.yml runs docker://{args.image}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
