"""Local runs only: a ``.env`` file and ``--profile``.

``devops-agent run``, ``audit`` and ``demo`` load ``./.env`` (see ``.env.example``)
without overriding variables already set; ``devops-agent action`` never does, so a
file in the checked-out repository cannot change the action's inputs.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

from devops_agent.errors import ConfigError

__all__ = ["load_env_file", "use_profile"]


def load_env_file(path: Path | None = None) -> Path | None:
    """Load ``path`` (default ``./.env``) into ``os.environ``, keeping what is already set.

    Args:
        path: The file to read; ``None`` means ``.env`` in the working directory.

    Returns:
        The file loaded, or ``None`` when there is none.
    """
    from dotenv import load_dotenv

    path = path if path is not None else Path.cwd() / ".env"
    if not path.is_file():
        return None
    load_dotenv(path, override=False)
    return path


def use_profile(name: str, environ: MutableMapping[str, str] | None = None) -> None:
    """Set ``AWS_PROFILE`` to ``name`` after checking the profile exists.

    Raises:
        ConfigError: no such profile (naming it and the profiles found).

    Args:
        name: An AWS profile name from ``~/.aws/config`` or ``credentials``.
        environ: The environment to set it in; ``None`` means ``os.environ``.
    """
    import botocore.session
    from botocore.exceptions import ProfileNotFound

    environ = os.environ if environ is None else environ
    session = botocore.session.Session(profile=name)
    try:
        session.get_scoped_config()
    except ProfileNotFound:
        found = ", ".join(sorted(botocore.session.Session().available_profiles)) or "none"
        raise ConfigError(
            f"AWS profile {name!r} was not found (profiles found: {found}).",
            remedy="Pick one of those, or add it to ~/.aws/config or ~/.aws/credentials.",
        ) from None
    environ["AWS_PROFILE"] = name
