"""Cloning into the workspace: against local repositories, and never writing the token down.

A bare repository on disk stands in for GitHub (``file://``); a dumb-HTTP server on
127.0.0.1 serving that repository shows what git sends over HTTP, and to which host.
"""

from __future__ import annotations

import base64
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from devops_agent.errors import BadInput, ServiceError
from devops_agent.gh import clone

TOKEN = "ghs_cloneToken1234567890abcdefghijklmnop"
BASIC = base64.b64encode(f"x-access-token:{TOKEN}".encode()).decode()


def git(*args: str, cwd: Path | None = None) -> str:
    out = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``<root>/acme/platform.git``: a bare repository with three commits on main."""
    root = tmp_path_factory.mktemp("srv")
    bare = root / "acme" / "platform.git"
    bare.parent.mkdir()
    git("init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    work = root / "work"
    git("init", "--quiet", "--initial-branch=main", str(work))
    for n in range(3):
        (work / "README.md").write_text(f"version {n}\n")
        git("add", "README.md", cwd=work)
        git("commit", "--quiet", "-m", f"commit {n}", cwd=work)
    git("checkout", "--quiet", "-b", "release", cwd=work)
    git("push", "--quiet", str(bare), "main", "release", cwd=work)
    git("--git-dir", str(bare), "update-server-info")
    return root


def no_token_anywhere(tree: Path) -> None:
    config = (tree / ".git" / "config").read_text()
    assert TOKEN not in config and BASIC not in config and "extraheader" not in config.lower()
    for path in (tree / ".git").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert TOKEN.encode() not in data and BASIC.encode() not in data, path


def test_shallow_clone_of_a_local_bare_repository(served: Path, tmp_path: Path) -> None:
    url = (served / "acme" / "platform.git").as_uri()
    result = clone.clone(
        url,
        tmp_path / "platform",
        repository="acme/platform",
        token=TOKEN,
        server_url="https://github.example",
    )
    assert result.shallow and result.depth == 1 and result.branch == "main"
    assert (tmp_path / "platform" / "README.md").read_text() == "version 2\n"
    assert git("rev-list", "--count", "HEAD", cwd=tmp_path / "platform") == "1"
    no_token_anywhere(tmp_path / "platform")
    full = clone.clone(
        url, tmp_path / "full", repository="acme/platform", depth=None, ref="release"
    )
    assert not full.shallow and full.branch == "release"
    assert git("rev-list", "--count", "HEAD", cwd=tmp_path / "full") == "3"


def test_bad_destinations_and_failures(served: Path, tmp_path: Path) -> None:
    url = (served / "acme" / "platform.git").as_uri()
    (tmp_path / "taken").mkdir()
    with pytest.raises(BadInput, match="already exists"):
        clone.clone(url, tmp_path / "taken", repository="acme/platform")
    with pytest.raises(BadInput):
        clone.clone(url, tmp_path / "x", repository="acme/platform", ref="--upload-pack=evil")
    with pytest.raises(ServiceError) as err:
        clone.clone(
            (served / "acme" / "missing.git").as_uri(),
            tmp_path / "missing",
            repository="acme/missing",
            token=TOKEN,
            server_url="https://github.example",
        )
    assert TOKEN not in err.value.message and not (tmp_path / "missing").exists()
    assert clone.clone_url("https://ghe.example/", "acme/platform") == (
        "https://ghe.example/acme/platform.git"
    )
    with pytest.raises(BadInput):
        clone.clone_url("https://github.com", "../../etc")


class _Recorder(SimpleHTTPRequestHandler):
    seen: list[str | None]

    def do_GET(self) -> None:
        self.seen.append(self.headers.get("Authorization"))
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def http_server(served: Path) -> Iterator[tuple[str, list[str | None]]]:
    seen: list[str | None] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(served)))
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()
    server.server_close()


def test_the_token_goes_in_a_header_to_its_server_only(
    http_server: tuple[str, list[str | None]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, seen = http_server
    calls: list[list[str]] = []
    real_run = subprocess.run

    def spy(args: list[str], **kw: Any) -> Any:
        calls.append(list(args))
        return real_run(args, **kw)

    monkeypatch.setattr(clone.subprocess, "run", spy)
    url = clone.clone_url(base, "acme/platform")
    assert TOKEN not in url
    result = clone.clone(
        url, tmp_path / "p", repository="acme/platform", token=TOKEN, server_url=base, depth=None
    )
    assert result.head and seen and set(seen) == {f"basic {BASIC}"}
    assert all(TOKEN not in " ".join(c) and BASIC not in " ".join(c) for c in calls)
    no_token_anywhere(tmp_path / "p")
    # a token for another server is not sent here
    seen.clear()
    clone.clone(
        url,
        tmp_path / "q",
        repository="acme/platform",
        token=TOKEN,
        server_url="http://127.0.0.1:1",
        depth=None,
    )
    assert seen and set(seen) == {None}


def test_repo_clone_command(
    served: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github: Any
) -> None:
    import io

    from conftest import REPO
    from conftest import TOKEN as GH_TOKEN

    from devops_agent.app import run_local

    bare = served / "acme" / "platform.git"
    monkeypatch.setattr(clone, "clone_url", lambda server, repository: bare.as_uri())
    env = {
        "GITHUB_TOKEN": GH_TOKEN,
        "GITHUB_API_URL": github.url,
        "GITHUB_SERVER_URL": github.server_url,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_WORKSPACE": str(tmp_path),
    }
    code, result = run_local("repo clone --depth 2", env, stream=io.StringIO())
    assert code == 0, result
    assert result.title == "Cloned acme/platform into platform"
    assert result.data["clone"]["shallow"] is True
    assert git("rev-list", "--count", "HEAD", cwd=tmp_path / "platform") == "2"
    no_token_anywhere(tmp_path / "platform")
    again_code, again = run_local("repo clone", env, stream=io.StringIO())
    assert again_code == 2 and "already exists" in again.title
    bad_code, _ = run_local("repo clone --depth two", env, stream=io.StringIO())
    assert bad_code == 2
