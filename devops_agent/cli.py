"""``devops-agent``: argv and environment in, exit code out.

Exit codes (docs/configuration.md, "Exit codes"): 0 done, 1 the work failed, 2 bad input or
configuration, 3 refused. This is the one place with a broad ``except``: a bug
still ends with one clear line and exit 1, never a bare traceback.

A reader that goes away early (``devops-agent run "iam users" --json | head``) closes
the pipe: the rest of the output is dropped without a word and the exit code is
:data:`EXIT_PIPE_CLOSED` (128 + SIGPIPE, what a shell reports for ``yes | head``).
SIGPIPE itself keeps Python's default (ignored): restoring the signal's default action
would also kill the process on a socket the network closed, mid-request.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from devops_agent import __version__
from devops_agent.errors import ConfigError, DevOpsError

#: Exit code when whoever reads stdout closed it early: 128 + SIGPIPE (13), as a shell
#: reports a process that a closed pipe ended.
EXIT_PIPE_CLOSED = 141


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="devops-agent",
        description="A DevOps agent for GitHub Actions: /devops commands over AWS and GitHub.",
    )
    parser.add_argument("--version", action="version", version=f"devops-agent {__version__}")
    sub = parser.add_subparsers(dest="verb", metavar="COMMAND")
    sub.add_parser("action", help="handle the GitHub Actions event (what the container runs)")
    run = sub.add_parser("run", help="run one command against your own credentials")
    run.add_argument("command", nargs="+", help='e.g. "ec2 list --region eu-west-1"')
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.add_argument("--profile", metavar="NAME", help="AWS profile to use (sets AWS_PROFILE)")
    audit = sub.add_parser(
        "audit",
        help="audit the AWS estate (read-only) with your own credentials",
        usage="devops-agent audit [options]\n"
        "       devops-agent audit merge FILE [FILE ...] [options]",
        description="Audit the AWS estate (read-only), or merge the JSON reports of several "
        "audits (the optional `merge` verb). The JSON report is always written (--json, "
        "default .devops-agent/report.json); --format chooses what is printed.",
    )
    audit.add_argument("--regions", default="", help="comma list (default: your AWS region)")
    audit.add_argument("--services", default="", help="comma list of ec2,s3,iam,vpc (default: all)")
    _audit_output_options(audit)
    audit.add_argument("--config", default=".github/devops-agent.yml", help="repo config file")
    audit.add_argument("--profile", metavar="NAME", help="AWS profile to use (sets AWS_PROFILE)")
    audit.add_argument(
        "--securityhub-import",
        action="store_true",
        help="also send the findings to AWS Security Hub (securityhub:BatchImportFindings)",
    )
    audit_verbs = audit.add_subparsers(dest="audit_verb", title="optional verb", metavar="[merge]")
    merge = audit_verbs.add_parser(
        "merge",
        help="merge JSON reports of several accounts (instead of auditing)",
        usage="devops-agent audit merge FILE [FILE ...] [options]",
    )
    merge.add_argument("files", nargs="+", metavar="FILE", help="JSON reports to merge")
    _audit_output_options(merge, prefix="merge_")
    demo = sub.add_parser(
        "demo", help="try it on a seeded sandbox account (no credentials, no network)"
    )
    demo.add_argument("commands", nargs="*", help="commands to run (default: a short tour)")
    evals = sub.add_parser(
        "eval", help="run the agent evals (a real model with OPENAI_API_KEY, else scripted)"
    )
    evals.add_argument("--model", help="model name (default: DEVOPS_AGENT_EVAL_MODEL or action's)")
    evals.add_argument("--scenario", action="append", default=[], help="one scenario (repeatable)")
    evals.add_argument("--markdown", metavar="OUT", help="write the results table here")
    evals.add_argument("--scripted", action="store_true", help="use the scripts even with a key")
    evals.add_argument("--record", metavar="NAME", help="record NAME's tool outputs in the sandbox")
    return parser


#: ``audit --format`` choices: devops_agent.audit.formats.FORMATS, spelled out so that
#: parsing argv never imports the audit (and boto3) before ``action`` reacts 👀.
AUDIT_FORMATS = ("json", "ocsf", "asff", "markdown", "text")


def _audit_output_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """``--format``, ``--json`` and ``--fail-on``: the same for ``audit`` and ``audit merge``
    (``merge`` keeps its own copies, so they may stand before or after the verb)."""
    parser.add_argument(
        "--format",
        dest=f"{prefix}format",
        choices=AUDIT_FORMATS,
        default=None,
        help="what to print: text (the default on a terminal), markdown (the default "
        "otherwise), json, ocsf (OCSF 1.5.0 Detection Findings) or asff (Security Hub)",
    )
    parser.add_argument(
        "--json",
        dest=f"{prefix}json",
        metavar="PATH",
        default=None,
        help="where to write the JSON report (default: .devops-agent/report.json)",
    )
    parser.add_argument(
        "--fail-on",
        dest=f"{prefix}fail_on",
        metavar="LEVEL",
        default=None,
        help="never (default), low, medium, high or critical: exit 1 at this severity",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script: parse ``argv``, run the verb, map errors to codes.

    Args:
        argv: The arguments after the program name; ``None`` reads ``sys.argv``.

    Returns:
        The exit code: 0 done, 1 the work failed, 2 bad input or configuration,
        3 refused, :data:`EXIT_PIPE_CLOSED` when the reader of stdout went away.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        code = _dispatch(parser, args)
        sys.stdout.flush()  # inside the try: a closed pipe surfaces here, not at exit
        return code
    except BrokenPipeError:
        _drop_stdout()
        return EXIT_PIPE_CLOSED


def _drop_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's flush at exit cannot fail again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout already closed or not a real file
        pass
    finally:
        os.close(devnull)


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """Run the verb ``args`` names; every error a user can cause becomes its exit code."""
    try:
        if args.verb == "action":
            from devops_agent.app import ABANDONED, run_action

            code = run_action(os.environ)
            if ABANDONED.is_set():
                # A timed-out or cancelled call is still blocked in a worker thread (a thread
                # pool would be joined at exit); the answer is posted, so leave now.
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
            return code
        if args.verb in ("run", "audit", "demo", "eval"):
            from devops_agent.localconfig import load_env_file, use_profile

            load_env_file()  # local runs only, never `action`
            if getattr(args, "profile", None):
                use_profile(args.profile)
        if args.verb == "run":
            return _run(" ".join(args.command), as_json=args.json)
        if args.verb == "audit":
            from devops_agent.commands.audit import cli_audit

            return cli_audit(args)
        if args.verb == "demo":
            _require_sandbox("demo")
            from devops_agent_sandbox.demo import run_demo

            return run_demo(args.commands)
        if args.verb == "eval":
            from pathlib import Path

            _require_sandbox("eval")
            from devops_agent_sandbox.evals import run_eval

            return run_eval(
                scenarios=args.scenario,
                model=args.model,
                markdown=Path(args.markdown) if args.markdown else None,
                record_name=args.record,
                scripted=args.scripted,
            )
        parser.print_help()
        return 2
    except DevOpsError as exc:
        _say(f"devops-agent: {exc.explain()}")
        return exc.exit_code
    except KeyboardInterrupt:
        _say("devops-agent: interrupted.")
        return 1
    except BrokenPipeError:
        raise  # the reader went away: main() ends quietly
    except Exception as exc:  # the one broad except: a bug, reported in one line
        _say(
            f"devops-agent: internal error: {exc.__class__.__name__}: {exc}. "
            "Please report it with the command you ran."
        )
        return 1


#: What ``demo`` and ``eval`` need beyond the runtime: the sandbox package (beside
#: ``devops_agent`` in the distribution, never in the image) and moto (the ``sandbox`` extra).
SANDBOX_MODULES = ("devops_agent_sandbox", "moto")


def _require_sandbox(verb: str) -> None:
    """Fail with how to install the sandbox extra when ``verb`` cannot run here.

    Looked up without importing anything, so a missing piece is one clear line (exit 2)
    rather than an ImportError from deep inside the demo.
    """
    from importlib.util import find_spec

    missing = [name for name in SANDBOX_MODULES if find_spec(name) is None]
    if not missing:
        return
    if "devops_agent_sandbox" in missing:  # the image, or a copy of devops_agent/ alone
        raise ConfigError(
            f"`devops-agent {verb}` needs the sandbox, and this installation has none "
            "(the container image ships only the runtime).",
            remedy="Install devops-agent with the sandbox extra from a checkout: "
            "pip install '.[sandbox]'.",
        )
    raise ConfigError(
        f"`devops-agent {verb}` needs the sandbox extra, and moto is not installed.",
        remedy="Install the extra: pip install 'devops-agent-action[sandbox]' "
        "(from a checkout: pip install '.[sandbox]').",
    )


def _say(message: str) -> None:
    """One line on stderr, with credential shapes redacted (an error may quote a value)."""
    from devops_agent.sanitize import Redactor

    print(Redactor().redact(message), file=sys.stderr)


def _run(command: str, *, as_json: bool) -> int:
    import json

    from devops_agent.app import run_local
    from devops_agent.report import render_body, render_json

    code, result = run_local(command, os.environ, stream=sys.stderr)
    from devops_agent.sanitize import Redactor

    redact = Redactor()
    if as_json:
        data = redact.redact_data(render_json(result))
        print(redact(json.dumps(data, indent=2, default=str)))
    else:
        print(redact(render_body(result)))
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
