"""Untrusted text in, secrets out.

Two jobs, kept together because every exit point needs both:

* :func:`clean_untrusted` strips what people or AWS can hide in text (HTML
  comments, zero-width and bidi control characters) before a model or a table
  shows it.
* :class:`Redactor` replaces credential-shaped strings, every exact secret the run
  was given, and values assigned to secret-ish names in any syntax (with the lines
  that continue them), before anything leaves the process: comments, check runs, the
  job summary, outputs, logs, traces. :meth:`Redactor.redact_data` does the same for
  structured data before it is serialised, by key as well as by shape.

Precision matters as much as recall: a name is secret-ish by its last words
(:func:`is_secret_name`), so ``http_tokens = "required"``, ``token_type``, a
``ClientToken`` or policy JSON stay intact; ``tests/test_sanitize.py`` measures both.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
from collections import Counter
from typing import Any

from pydantic import BaseModel

REDACTED = "[REDACTED]"

# Credential shapes. Each is specific enough not to eat ids, SHAs or ARNs, and none can
# backtrack badly: every repetition is bounded by a fixed prefix or a character class.
_SECRET_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p)
    for p in (
        # PEM / OpenSSH private keys, whole block (also when newlines were escaped)
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)",
        # AWS access key ids (long-term AKIA, temporary ASIA, and the other documented prefixes)
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|ABIA|ACCA)[A-Z0-9]{16}\b",
        # AWS session tokens (base64, start with IQoJ / FwoG / FQoG and are long)
        r"\b(?:IQoJ|FwoG|FQoG)[A-Za-z0-9/+=]{80,}",
        # GitHub tokens
        r"\bgh[pousr]_[A-Za-z0-9]{30,255}\b",
        r"\bgithub_pat_[A-Za-z0-9_]{40,255}\b",
        # OpenAI and similar "sk-" keys
        r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",
        # Slack tokens (bot, user, app-level, refresh)
        r"\bxox[abposre]-[A-Za-z0-9\-]{10,}",
        r"\bxapp-[0-9]-[A-Za-z0-9\-]{10,}",
        # Slack and Discord webhooks: the URL is the credential
        r"https://hooks\.slack(?:-gov)?\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/\-]{8,}",
        r"https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com/api/webhooks/[0-9]{5,30}/"
        r"[A-Za-z0-9_\-]{20,}",
        # npm access tokens
        r"\bnpm_[A-Za-z0-9]{36}\b",
        # PyPI API tokens (a macaroon after "pypi-")
        r"\bpypi-[A-Za-z0-9_\-]{50,}",
        # GitLab, Stripe and Google API keys
        r"\bglpat-[A-Za-z0-9_\-]{20,}",
        r"\b[rs]k_live_[A-Za-z0-9]{20,}",
        r"\bAIza[0-9A-Za-z_\-]{35}\b",
        # JSON Web Tokens (OIDC ID tokens among them)
        r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
        # passwords in connection URLs: keep scheme, user and host
        r"(?<=://)[^\s:/@]+:[^\s/@]{3,}(?=@)",
        # HTTP authorization values
        r"(?i)(?<=\bbearer )[A-Za-z0-9._~+/\-]{16,}=*",
        r"(?i)(?<=\bbasic )[A-Za-z0-9+/]{16,}=*",
    )
)

# ``name = value`` in any common syntax: env lines, YAML, HCL, INI, JSON ("name": "value")
# and shell. Only the name and separator are matched here, so a value that holds another
# assignment is still looked at; whether the name is secret-ish is decided in code.
# A command-line flag (``--password=…``, ``--db-pass …``) is a name too, and the only one
# whose value may follow after a space.
_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_.\-])(?P<flag>--?(?=[A-Za-z]))?"
    r"(?P<q>[\"']?)(?P<key>[A-Za-z_][A-Za-z0-9_.\-]{0,80})(?P=q)"
    r"(?:(?P<sep>[ \t]*(?::|=>|=)[ \t]*)|(?(flag)[ \t]+(?=[^\s\-])|(?!)))"
)
_QUOTED = re.compile(r"\"(?:[^\"\\\n]|\\.){0,4096}\"?|'[^'\n]{0,4096}'?")
_BARE = re.compile(r"[^\s,;\"'`&<>(){}\[\]]{1,4096}")
# A value that names a secret instead of holding one: ${{ secrets.X }}, $X, var.x, ***.
_REFERENCE = re.compile(r"\$|\*{3}|\[REDACTED|(?:var|local|data|module|secrets|env)\.[\w.]+$")
# A line that only continues a secret from the line before (after an optional log timestamp).
_CONTINUATION = re.compile(
    r"(?P<lead>[ \t]*(?:\d{4}-\d\d-\d\dT[\d:.]{8,20}Z[ \t]+)?)"
    r"(?P<value>[A-Za-z0-9+/=_\-.~]{6,4096})(?P<tail>[\"',;\\]*)(?=[ \t]|$)"
)
# The next word after a secret value on the same line (a wrapped secret whose line break
# became a space, or the lines of a YAML block joined).
_JOINED_BLOCK = re.compile(r"[|>][-+]?[ \t]+(?=\S)")
_NEXT_WORD = re.compile(r"[ \t]+(?P<value>[A-Za-z0-9+/=_\-.~]{12,4096})(?=[ \t\"',;]|$)")
#: Values that say something about a secret without being one.
_NOT_SECRETS = frozenset(
    {
        "none",
        "null",
        "nil",
        "true",
        "false",
        "yes",
        "no",
        "required",
        "optional",
        "empty",
        "read",
        "write",
        "unset",
        "redacted",
        "hidden",
        "masked",
        "n/a",
        "<none>",
        "undefined",
        "changeme",
    }
)
_ENDS_REDACTED = re.compile(r"\[REDACTED\][\"'`,;\\]*[ \t]*$")
#: Words that make a name secret when it ends with them (``DB_PASSWORD``, ``clientSecret``).
_SECRET_WORDS = frozenset(
    {
        "secret",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "token",
        "apikey",
        "credential",
        "credentials",
        "privatekey",
        "secretkey",
        "clientsecret",
        "webhook",
        "webhookurl",
        "pass",
    }
)
#: What one run-together word ends with when it names a secret (``PGPASSWORD``).
_SECRET_ENDINGS = ("password", "passwd", "passphrase", "secret")
#: Last words that say how a secret is written, not what it is: ``SECRET_KEY_BASE``,
#: ``DB_PASSWORD_B64``, ``API_TOKEN_VALUE`` name secrets as much as their stems do
#: (``B64`` and ``BASE64`` are read as the words ``b``/``base`` and ``64``).
_FORM_WORDS = frozenset(
    {"base", "value", "val", "b", "64", "hex", "raw", "str", "string", "encoded", "plain"}
)
#: ``… <word> … key`` names that are secrets (``api_key``, ``AWS_SECRET_ACCESS_KEY``); an
#: ``access_key`` alone is a key id (``AKIA…``, caught by its shape), not the secret.
_KEY_QUALIFIERS = frozenset(
    {
        "api",
        "private",
        "secret",
        "signing",
        "master",
        "encryption",
        "account",
        "storage",
        "shared",
        "client",
        "app",
        "license",
        "hmac",
    }
)
#: ``<word> token`` names that are not credentials.
_NOT_SECRET_TOKENS = frozenset(
    {"client", "next", "continuation", "pagination", "page", "idempotency", "starting"}
)
#: What a secret's *name* looks like: ``DEPLOY_KEY``, ``CI``; never a random value.
_SECRET_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z][A-Z0-9]{0,11}")
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")


def is_secret_name(name: str) -> bool:
    """Does ``name`` (a variable, tag, JSON or YAML key) name a secret?

    Decided on the last words (after words that only say how it is written, such as
    ``_BASE`` or ``_B64``), so ``DB_PASSWORD``, ``client_secret``, ``apiKey``,
    ``AWS_SECRET_ACCESS_KEY``, ``SMTP_PASS``, ``PGPASSWORD`` and ``SECRET_KEY_BASE`` do,
    while ``http_tokens``, ``token_type``, ``password_policy``, ``SECRET_NAME`` and
    ``token.actions.githubusercontent.com:aud`` do not.

    Args:
        name: The name as written (quotes and spaces around it ignored).

    Returns:
        True when its last words name a credential.
    """
    words = [w.lower() for w in _WORD.findall(name.strip("\"' "))]
    while len(words) > 1 and words[-1] in _FORM_WORDS:
        words.pop()
    if not words:
        return False
    last = words[-1]
    if last == "token" and len(words) >= 2 and words[-2] in _NOT_SECRET_TOKENS:
        return False  # ClientToken, NextToken: idempotency and paging, not credentials
    if last in _SECRET_WORDS or last.endswith(_SECRET_ENDINGS):
        return True
    if len(words) >= 2 and "".join(words[-2:]) in _SECRET_WORDS:
        return True
    return last == "key" and any(word in _KEY_QUALIFIERS for word in words[:-1])


def _names_a_secret(key: str, value: str) -> bool:
    """``secret: DEPLOY_KEY`` names a secret (a GitHub or Kubernetes one) by its name."""
    words = [w.lower() for w in _WORD.findall(key.strip("\"' "))]
    return bool(words) and words[-1] == "secret" and bool(_SECRET_NAME.fullmatch(value))


def _redact_assignments(line: str) -> tuple[str, bool]:
    """Redact values assigned to secret-ish names in one line.

    Returns the line and whether a secret value ran to the end of the line (so the next
    lines may continue it).
    """
    spans: list[tuple[int, int]] = []
    runs_on = False
    at = 0
    while True:
        match = _ASSIGNMENT.search(line, at)
        if match is None:
            break
        at = match.end()
        if not is_secret_name(match["key"]):
            continue
        start = match.end()
        rest = line[start:]
        if not rest.strip() or rest.strip() in ("|", ">", "|-", ">-", "\\"):
            runs_on = True  # YAML block scalar, or a value on the next lines
            continue
        block = _JOINED_BLOCK.match(rest)  # a YAML block scalar whose lines were joined
        if block:
            start += block.end()
        value = _QUOTED.match(line, start) or _BARE.match(line, start)
        if value is None:
            continue
        text = value.group(0)
        quoted = text[:1] in "\"'"
        inner = (start + 1, value.end() - (1 if len(text) > 1 and text[-1] == text[0] else 0))
        if not quoted:
            inner = (start, value.end())
        body = line[inner[0] : inner[1]]
        if (
            not body
            or (match["sep"] is None and not _random_looking(body))  # `--token NAME` in prose
            or _REFERENCE.match(body)
            or body.lower() in _NOT_SECRETS
            or _names_a_secret(match["key"], body)
        ):
            at = value.end()
            continue
        spans.append(inner)
        at = value.end()
        if not quoted:
            # a long value may go on after a space: the rest of a wrapped secret
            while (block or len(body) >= 16) and (more := _NEXT_WORD.match(line, at)):
                if not _random_looking(more["value"]):
                    break
                spans.append((more.start("value"), more.end("value")))
                at = more.end()
        unterminated = quoted and not (len(text) > 1 and text[-1] == text[0])
        ends_line = not line[at:].strip() or line.rstrip().endswith("\\")
        runs_on = runs_on or unterminated or (ends_line and len(body) >= 16)
    for begin, end in reversed(spans):
        line = line[:begin] + REDACTED + line[end:]
    return line, runs_on


def _random_looking(value: str) -> bool:
    """A continuation line must look like part of a key, not like a word of a log."""
    has_digit = any(c.isdigit() for c in value)
    has_alpha = any(c.isalpha() for c in value)
    mixed_case = any(c.isupper() for c in value) and any(c.islower() for c in value)
    return (has_digit and has_alpha) or (mixed_case and len(value) >= 16) or len(value) >= 24


def _redact_lines(lines: list[str]) -> list[str]:
    """Assignments to secret-ish names, and the lines that continue a redacted value.

    A line continues a secret when the line before ended inside one (an assignment whose
    value runs to the end of the line, a YAML block scalar, an unterminated quote, or
    any redaction at the very end) and it holds nothing but a random-looking run of key
    characters, after an optional log timestamp: the second half of a wrapped token.
    """
    out: list[str] = []
    continuing = False
    for line in lines:
        if continuing:
            match = _CONTINUATION.match(line)
            whole = match is not None and not line[match.end() :].strip()
            if (
                match is not None
                and _random_looking(match["value"])
                and (whole or len(match["value"]) >= 12)
            ):
                line = line[: match.start("value")] + REDACTED + line[match.end("value") :]
                if whole:
                    out.append(line)
                    continue
        line, runs_on = _redact_assignments(line)
        out.append(line)
        continuing = runs_on or bool(_ENDS_REDACTED.search(line))
    return out


# A bare AWS secret access key: 40 base64 characters. It may stand inside a longer
# run (an S3 key "backups/<secret>"), so runs are searched for 40-character windows on
# "/" boundaries that look random: mixed case, digits, few slashes, high entropy.
# Hex SHAs, ids, ARNs and ordinary paths do not qualify.
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40,}(?![A-Za-z0-9+=])")
_SECRET_LEN = 40

_HTML_COMMENT = re.compile(r"<!--[\s\S]*?(?:-->|$)")
_OWN_MARKER = re.compile(r"devops-agent\s*:", re.IGNORECASE)
# Zero-width, bidi overrides and other invisible format characters (Unicode "Cf"),
# except the ordinary joiners emoji need.
_KEEP_FORMAT = {"\u200d"}


def _redact_bare_keys(text: str) -> str:
    return _BASE64_RUN.sub(lambda m: _redact_aws_secrets(m.group(0)), text)


def _looks_like_aws_secret(candidate: str) -> bool:
    if candidate.count("/") > 3 or not (
        any(c.islower() for c in candidate)
        and any(c.isupper() for c in candidate)
        and any(c.isdigit() for c in candidate)
    ):
        return False
    counts = Counter(candidate)
    entropy = -sum(n / len(candidate) * math.log2(n / len(candidate)) for n in counts.values())
    return entropy >= 4.6


def _redact_aws_secrets(run: str) -> str:
    """Redact every 40-character window of ``run`` that starts and ends on a boundary."""
    if len(run) <= _SECRET_LEN:
        return REDACTED if len(run) == _SECRET_LEN and _looks_like_aws_secret(run) else run
    starts = [0] + [i + 1 for i, c in enumerate(run) if c == "/"]
    ends = {len(run)} | {i for i, c in enumerate(run) if c == "/"}
    for start in starts:
        end = start + _SECRET_LEN
        if end in ends and _looks_like_aws_secret(run[start:end]):
            return run[:start] + REDACTED + _redact_aws_secrets(run[end:])
    return run


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


class Redactor:
    """Redacts known secrets and credential shapes; thread-safe, shared per run."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secret: str | None) -> None:
        """Remember an exact secret (and each of its lines) so it is always redacted.

        Args:
            secret: A value the run holds as a credential; ``None``, empty and pieces under six
                characters are ignored.
        """
        if not secret:
            return
        with self._lock:
            for piece in [secret, *secret.splitlines()]:
                piece = piece.strip()
                if len(piece) >= 6:
                    self._secrets.add(piece)

    def __call__(self, text: str) -> str:
        return self.redact(text)

    def redact(self, text: str) -> str:
        """Return ``text`` with every known secret and credential shape replaced.

        In order: the exact secrets the run holds (and each of their lines), credential
        shapes, values assigned to secret-ish names in any common syntax (and the lines
        that continue them), then bare AWS secret keys.

        Args:
            text: Any text about to leave the run.

        Returns:
            The text with each secret replaced by ``[REDACTED]``.
        """
        if not text:
            return text
        text = "\n".join(_redact_lines(self._shapes(text).split("\n")))
        return _redact_bare_keys(text)

    def redact_lines(self, lines: list[str]) -> list[str]:
        """Redact a list of log lines as the text they were cut from.

        A secret wrapped onto the next line is one secret: its second half is redacted
        even though it is another item of the list.

        Args:
            lines: Consecutive lines of one text.

        Returns:
            The lines redacted, as many as given.
        """
        shaped = [self._shapes(line) for line in lines]
        return [_redact_bare_keys(line) for line in _redact_lines(shaped)]

    def _shapes(self, text: str) -> str:
        with self._lock:
            known = sorted(self._secrets, key=len, reverse=True)
        for secret in known:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern in _SECRET_PATTERNS:
            text = pattern.sub(REDACTED, text)
        return text

    def redact_data(self, value: Any) -> Any:
        """Redact structured data before it is serialised (JSON outputs, report files).

        Text is redacted as :meth:`redact` does; besides, the value of every mapping key
        that names a secret (``{"DB_PASSWORD": "…"}``) and of every ``Key``/``Value`` or
        ``Name``/``Value`` pair whose name does (EC2 tags, environment variables) is
        replaced whole, however short, so JSON shows what the comment's table shows.

        Args:
            value: Strings, mappings, sequences, pydantic models, or anything else (kept as it
                is).

        Returns:
            A redacted copy, the same shape (models become their JSON data).
        """
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, BaseModel):
            return self.redact_data(value.model_dump(mode="json"))
        if isinstance(value, list | tuple):
            if value and all(isinstance(v, str) and "\n" not in v for v in value):
                return self.redact_lines(list(value))  # lines of a log: one text
            return [self.redact_data(v) for v in value]
        if not isinstance(value, dict):
            return value
        pair_name = next(
            (value[k] for k in ("Key", "key", "Name", "name") if isinstance(value.get(k), str)),
            None,
        )
        out: dict[Any, Any] = {}
        for k, v in value.items():
            secret = (
                isinstance(k, str)
                and is_secret_name(k)
                and _scalar(v)
                and not _names_a_secret(k, str(v))
            )
            paired = pair_name is not None and k in ("Value", "value") and _scalar(v)
            if (secret or (paired and is_secret_name(str(pair_name)))) and v not in ("", None):
                out[k] = REDACTED
            else:
                out[k] = self.redact_data(v)
        return out


def clean_untrusted(text: str, *, limit: int | None = None) -> str:
    """Strip HTML comments and invisible characters that can hide instructions.

    Args:
        text: text a person, GitHub or AWS wrote.
        limit: cut to this many characters (after cleaning), if given.

    Returns:
        The text without HTML comments or format characters (the action's own markers
        defused), CRLF line ends made LF, cut to ``limit``.
    """
    text = "".join(c for c in text if c in _KEEP_FORMAT or unicodedata.category(c) != "Cf").replace(
        "\r\n", "\n"
    )
    text = strip_markers(text)
    if limit is not None and len(text) > limit:
        text = text[:limit]
    return text


def strip_markers(text: str) -> str:
    """Remove HTML comments until none is left, and defuse the action's own markers.

    One pass is not enough: ``<!<!-- x -->-- …`` re-forms a comment once the inner
    one is removed. Whatever survives that still names ``devops-agent:`` is broken
    up, so text from a person, AWS or a model can never pose as an answer marker or
    a plan block inside a comment the action writes.

    Args:
        text: Untrusted text.

    Returns:
        The text without HTML comments, any ``<!--`` left escaped and ``devops-agent:`` broken
        up.
    """
    while True:
        cleaned = _HTML_COMMENT.sub("", text)
        if cleaned == text:
            break
        text = cleaned
    return _OWN_MARKER.sub("devops\u2011agent:", text.replace("<!--", "&lt;!--"))


def table_cell(value: object) -> str:
    """Make any value safe for one Markdown table cell (no pipes, newlines, HTML).

    Args:
        value: Anything; ``None`` is an empty cell.

    Returns:
        One line with ``|``, backslashes and angle brackets escaped.
    """
    text = clean_untrusted("" if value is None else str(value))
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;").replace(">", "&gt;")
