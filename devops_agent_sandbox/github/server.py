"""The fake GitHub's HTTP layer: the threaded server, auth, faults, paging and errors.

:class:`HTTPLayer` binds a port on 127.0.0.1, records every request, answers injected
faults, maps the ``Authorization`` token to an identity (401 ``Bad credentials`` otherwise),
dispatches to the route table and writes GitHub's rate-limit headers. Handlers raise
:class:`_HTTPError` to answer with GitHub's error shape; a crash in a handler becomes a 500
and its traceback lands in ``errors``. Downloads (job logs, run log zips) are served behind
signed URLs on the same server, as GitHub's log storage does.
"""

from __future__ import annotations

import copy
import http
import json
import math
import re
import threading
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self

from devops_agent_sandbox.github.state import (
    DOCS,
    RATE_LIMIT,
    GitHubState,
    RecordedRequest,
    _Fault,
    _Identity,
    _Repo,
)


@dataclass
class _Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is (logs, zips) instead of JSON


class _HTTPError(Exception):
    """Raised by a handler to answer with GitHub's error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[Any] | None = None,
        doc: str = DOCS,
    ) -> None:
        super().__init__(message)
        self.status = status
        body: dict[str, Any] = {"message": message}
        if errors is not None:
            body["errors"] = errors
        body.update(documentation_url=doc, status=str(status))
        self.body = body


@dataclass
class _Ctx:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    ident: _Identity
    token: str
    params: dict[str, str]
    repo: _Repo | None

    @property
    def r(self) -> _Repo:
        assert self.repo is not None
        return self.repo

    def arg(self, name: str) -> Any:
        return self.body.get(name) if isinstance(self.body, dict) else None

    def record(self, records: dict[int, dict[str, Any]], param: str, doc: str) -> dict[str, Any]:
        """The record the path's number ``param`` names, or GitHub's 404 linking ``doc``."""
        found = records.get(int(self.params[param]))
        if found is None:
            raise _not_found(doc)
        return found


def _not_found(doc: str = DOCS) -> _HTTPError:
    return _HTTPError(404, "Not Found", doc=doc)


def _validation_failed(
    resource: str | None,
    field: str | None,
    *,
    code: str = "invalid",
    message: str | None = None,
    doc: str = DOCS,
    title: str = "Validation Failed",
) -> _HTTPError:
    """GitHub's 422 with one error object: what (``resource``, ``field``) failed and how
    (``code``, ``message``); a part given as ``None`` is left out, as GitHub leaves it."""
    error = {"resource": resource, "code": code, "field": field, "message": message}
    return _HTTPError(
        422, title, errors=[{k: v for k, v in error.items() if v is not None}], doc=doc
    )


def _missing(*names: str) -> _HTTPError:
    quoted = ", ".join(f'"{n}"' for n in names)
    verb = "wasn't" if len(names) == 1 else "weren't"
    return _HTTPError(422, f"Invalid request.\n\n{quoted} {verb} supplied.")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops bursts of parallel connects
    fake: HTTPLayer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: a client hanging up mid-request is not worth a traceback on stderr."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PyGithub's connection pool expects
    timeout = 30
    # Headers and body go out in separate writes: without this, Nagle plus delayed ACKs
    # add ~40 ms to every response.
    disable_nagle_algorithm = True
    server: _Server

    def _any(self) -> None:
        self.server.fake._serve(self)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests and the demo own stderr."""


#: A route handler: an unbound method of one of the route classes, called with the fake.
RouteFn = Callable[[Any, _Ctx], _Response]


_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


class HTTPLayer(GitHubState):
    """The server side of the fake: lifecycle, request handling and the helpers every
    route uses (``_list`` for paged lists). Binds its port at construction, so ``url`` is
    known before ``start``.
    """

    #: ``(method, path pattern, handler)``, first full match wins (see :mod:`.routes`).
    ROUTES: ClassVar[list[tuple[str, re.Pattern[str], RouteFn]]] = []

    def __init__(self, host: str = "127.0.0.1", port: int = 0, api_prefix: str = "") -> None:
        self.api_prefix = api_prefix.rstrip("/")
        self._httpd = _Server((host, port), _Handler)
        self._httpd.fake = self
        self.server_url = f"http://{host}:{self._httpd.server_port}"
        self.url = self.server_url + self.api_prefix
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        # Called on each request's arrival, before it is answered (``status`` is still 0).
        self.on_request: Callable[[RecordedRequest], None] | None = None
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []  # tracebacks of handler crashes (answered with 500)
        self._init_state()

    # lifecycle
    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-github",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget everything: tokens, repos, request log, faults and the ``on_request`` hook."""
        with self._lock:
            self._init_state()
            self.requests.clear()
            self.errors.clear()
            self.on_request = None

    # downloads behind signed URLs
    def _store_blob(self, data: bytes, content_type: str) -> str:
        """Keep a download behind a signed URL on this server, as GitHub's log storage does."""
        import secrets

        key = secrets.token_urlsafe(12)
        self._blobs[key] = (data, content_type)
        sig = secrets.token_urlsafe(16)
        return f"{self.server_url}/_blobs/{key}?sv=2024-01-01&se=2099-01-01&sig={sig}"

    def _blob(self, key: str, query: dict[str, str]) -> _Response:
        blob = self._blobs.get(key)
        if blob is None or not query.get("sig"):
            return _Response(
                404,
                raw=b"<Error><Code>BlobNotFound</Code></Error>",
                headers={"Content-Type": "application/xml"},
            )
        data, content_type = blob
        return _Response(200, raw=data, headers={"Content-Type": content_type})

    # HTTP
    def _serve(self, h: _Handler) -> None:
        split = urllib.parse.urlsplit(h.path)
        raw_path = split.path
        query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in h.headers.items()}
        body: Any = None
        bad_json = False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                bad_json = True
                body = raw.decode("utf-8", "replace")
        in_api = (
            not self.api_prefix
            or raw_path == self.api_prefix
            or raw_path.startswith(self.api_prefix + "/")
        )
        path = (raw_path[len(self.api_prefix) :] or "/") if in_api else raw_path
        rec = RecordedRequest(h.command, path, query, body, headers)
        with self._lock:
            self.requests.append(rec)
        hook = self.on_request
        if hook is not None:
            try:
                hook(rec)
            except Exception:
                self.errors.append(traceback.format_exc())

        with self._lock:
            fault = self._take_fault(h.command, path)
            if fault is not None and not fault.apply:
                resp = self._fault_response(fault)
            elif raw_path.startswith("/_blobs/") and h.command == "GET":
                resp = self._blob(raw_path.removeprefix("/_blobs/"), query)
            elif bad_json:
                resp = _Response(
                    400, {"message": "Problems parsing JSON", "documentation_url": DOCS}
                )
            elif not in_api:
                resp = _Response(404, _not_found().body)
            else:
                resp = self._handle(h.command, path, query, body, headers)
            if fault is not None and fault.apply:
                resp = self._fault_response(fault)
            rec.status = resp.status
            token = self._token(headers) or ""
            self._used[token] = self._used.get(token, 0) + 1
            used = self._used[token]
        self._write(h, resp, used)

    def _write(self, h: _Handler, resp: _Response, used: int) -> None:
        if resp.raw is not None:
            payload = resp.raw
        else:
            payload = b"" if resp.body is None else json.dumps(resp.body).encode()
        h.send_response(resp.status)
        base = {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(max(RATE_LIMIT - used, 0)),
            "X-RateLimit-Reset": str(self._reset_at),
            "X-RateLimit-Used": str(used),
            "X-RateLimit-Resource": "core",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": f"FAKE:{len(self.requests):08X}",
        }
        if payload and resp.raw is None:
            base["Content-Type"] = "application/json; charset=utf-8"
        base.update(resp.headers)
        base["Content-Length"] = str(len(payload))
        for name, value in base.items():
            h.send_header(name, value)
        h.end_headers()
        if payload:
            h.wfile.write(payload)

    def _take_fault(self, method: str, path: str) -> _Fault | None:
        for fault in self._faults:
            if fault.method in ("*", method) and fault.pattern.search(path):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    @staticmethod
    def _fault_response(fault: _Fault) -> _Response:
        body = fault.body
        if body is None:
            if fault.status in (403, 429):
                message = (
                    "You have exceeded a secondary rate limit. Please wait a few minutes "
                    "before you try again."
                )
                doc = (
                    "https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api"
                    "#about-secondary-rate-limits"
                )
            else:
                try:
                    message = http.HTTPStatus(fault.status).phrase
                except ValueError:
                    message = "Error"
                doc = DOCS
            body = {"message": message, "documentation_url": doc, "status": str(fault.status)}
        return _Response(fault.status, body, dict(fault.headers))

    @staticmethod
    def _token(headers: dict[str, str]) -> str | None:
        auth = headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("token", "bearer") and value.strip():
            return value.strip()
        return None

    def _handle(
        self, method: str, path: str, query: dict[str, str], body: Any, headers: dict[str, str]
    ) -> _Response:
        token = self._token(headers)
        if path == "/_actions/idtoken":
            return self._id_token(token, query)
        if method == "POST" and path in ("/graphql", "/api/graphql"):
            ident = self._tokens.get(token) if token else None
            if ident is None:
                return _Response(401, _HTTPError(401, "Bad credentials").body)
            return self._graphql(body)
        ident = self._tokens.get(token) if token else None
        if ident is None:
            return _Response(401, _HTTPError(401, "Bad credentials").body)
        for route_method, pattern, fn in self.ROUTES:
            m = pattern.fullmatch(path)
            if m is None or route_method != method:
                continue
            params = {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}
            repo = None
            if "owner" in params:
                repo = self._repos.get(f"{params['owner']}/{params['repo']}")
                if repo is None:
                    return _Response(404, _not_found().body)
            ctx = _Ctx(method, path, query, body, ident, token or "", params, repo)
            try:
                return fn(self, ctx)
            except _HTTPError as err:
                return _Response(err.status, err.body)
            except Exception:
                self.errors.append(traceback.format_exc())
                return _Response(500, {"message": "Server Error (fake)", "status": "500"})
        return _Response(404, _not_found().body)

    def _id_token(self, token: str | None, query: dict[str, str]) -> _Response:
        oidc = self._oidc
        if oidc is None or token != oidc[0]:
            return _Response(401, {"message": "Unauthorized"})
        import base64

        def part(data: dict[str, Any]) -> str:
            raw = json.dumps(data, separators=(",", ":")).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        claims = {"iss": "https://token.actions.githubusercontent.com", **oidc[1]}
        claims["aud"] = query.get("audience", "")
        jwt = f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"
        return _Response(200, {"count": 1, "value": jwt})

    def _graphql(self, body: Any) -> _Response:
        """Answer ``POST /graphql``: provided by :class:`~.routes.graphql.GraphQLRoutes`."""
        raise NotImplementedError

    # paging
    def _paginate(self, ctx: _Ctx, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
        """GitHub's paging: ``per_page`` (default 30, max 100), ``page``, and a ``Link``
        header pointing back at this server so clients follow it."""
        try:
            per_page = min(max(int(ctx.query.get("per_page", 30)), 1), 100)
        except ValueError:
            per_page = 30
        try:
            page = max(int(ctx.query.get("page", 1)), 1)
        except ValueError:
            page = 1
        last = max(math.ceil(len(items) / per_page), 1)
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(p: int, rel: str) -> str:
            q = dict(ctx.query, page=str(p))
            return f'<{self.url}{ctx.path}?{urllib.parse.urlencode(q)}>; rel="{rel}"'

        links = []
        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        return chunk, ({"Link": ", ".join(links)} if links else {})

    def _list(self, ctx: _Ctx, items: list[Any], key: str | None = None) -> _Response:
        chunk, headers = self._paginate(ctx, items)
        chunk = copy.deepcopy(chunk)
        if key is None:
            return _Response(200, chunk, headers)
        return _Response(200, {"total_count": len(items), key: chunk}, headers)
