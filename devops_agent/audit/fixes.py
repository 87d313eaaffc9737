"""Fixes as plans: ``audit fix CHECK_ID [RESOURCE…] [--region R]`` and the re-check after it.

A check whose remediation is a catalog write declares it in ``META.fix``
(:class:`~devops_agent.audit.models.Fix`): the write, and how a finding fills the write's
own argument model. ``audit fix`` is itself a catalog write whose preview

1. runs the check on the region (or the account) and, when resources are named, on only
   those (buckets outside them are not even read);
2. fills the fix's arguments from each failing resource and runs **that write's own
   preview**, which re-reads the resource and returns its plan entry (or "already so");
3. ends the plan with one :data:`RECHECK` step on exactly the resources it fixes.

The plan is then signed, posted and applied by the usual rules (:mod:`devops_agent.apply`):
nothing here carries anything out. The re-check step runs after the fix entries, with the
read role (:meth:`~devops_agent.operation.Writers.reader`): the same check on the same
resources, each resolved or still failing with what was read. Its line goes into the apply
comment, and a signed record into the open audit issue for the next audit to show
(:mod:`devops_agent.audit.rechecks`).

What "proving itself" means for that step, which only reads AWS: its one change is the
comment on the audit issue, so that is its declared call (GitHub's, no IAM side: the
re-check reads with the read role, never the plan's write session, and adds nothing to
the session policy); its post-condition is that comment read back; and it has nothing to
undo: the rollback of a fix plan undoes the fixes, and the record stays as what was read
then (the next audit reads the resources again anyway).

Findings a suppression covers are left alone unless named: a suppression is an accepted
risk. At most :data:`MAX_FIX_ENTRIES` resources go into one plan (a plan block and its
session policy stay small); the plan says how many are left for the next one.
"""

from __future__ import annotations

import difflib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from devops_agent.audit.config import load_config
from devops_agent.audit.engine import active_suppression, is_global, judge
from devops_agent.audit.inventory import PARTS, expand_parts
from devops_agent.audit.models import Finding, Hit, Recheck, fingerprint
from devops_agent.audit.rechecks import find_audit_issue, read_issue_records, record
from devops_agent.audit.registry import Check, discover_checks
from devops_agent.aws import one_region
from devops_agent.errors import BadInput, DevOpsError
from devops_agent.operation import (
    ApiCall,
    Args,
    Command,
    NotAsPlanned,
    Option,
    PlanEntry,
    Positional,
    Proposal,
    Reader,
    Unchanged,
    Verification,
    Verified,
    Write,
    Writers,
)
from devops_agent.sanitize import clean_untrusted

__all__ = ["AUDIT_FIX", "MAX_FIX_ENTRIES", "OPERATIONS", "RECHECK", "FixArgs", "RecheckArgs"]

#: Resources one fix plan takes at most; the rest wait for the next plan.
MAX_FIX_ENTRIES = 40
#: Resources named in one step's result line before the rest are counted.
_SHOWN = 8


def _check_id(value: str) -> str:
    cleaned = value.strip().lower()
    if not cleaned.replace("_", "").isalnum() or len(cleaned) > 80:
        raise BadInput(f"'{value}' is not a check id (docs/audit-checks.md lists them).")
    return cleaned


def _resource(value: str) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > 256 or any(c.isspace() or c in "`|<>" for c in cleaned):
        raise BadInput(f"'{value}' is not a resource id or name.")
    return cleaned


CheckId = Annotated[str, AfterValidator(_check_id)]
ResourceRef = Annotated[str, AfterValidator(_resource)]


def find_check(check_id: str) -> Check:
    """The check with that id, or a clear message with the closest ids.

    Raises:
        BadInput: no check has that id.
    """
    checks = {c.meta.id: c for c in discover_checks()}
    found = checks.get(check_id)
    if found is None:
        close = difflib.get_close_matches(check_id, list(checks), n=3)
        hint = f" Did you mean {', '.join(close)}?" if close else ""
        raise BadInput(f"No audit check is called '{check_id}'.{hint}")
    return found


# --------------------------------------------------------------------------- audit fix


class FixArgs(Args):
    """Arguments of ``audit fix``."""

    check: Annotated[CheckId, Positional()]
    """The check whose failing resources to fix, e.g. s3_bucket_versioning_enabled."""
    resources: Annotated[
        list[ResourceRef], Positional(rest=True), Field(max_length=MAX_FIX_ENTRIES)
    ] = Field(default_factory=list)
    """Only these resources (ids or names as the audit shows them); every failing one
    when empty."""
    region: Annotated[str | None, Option("--region")] = None
    """The region of a regional check (the default region when null); ignored by global
    checks (IAM, S3, account settings)."""


def _region(reader: Reader, check: Check, raw: str | None) -> str | None:
    """The one region a regional check is fixed in; ``None`` for a global check."""
    return None if is_global(check) else one_region(reader, raw, "`audit fix`")


def _open_hits(check: Check, hits: list[Hit], account: str, config: Any, named: bool) -> list[Hit]:
    """The hits to fix: suppressed findings stay out unless named."""
    if named or not config.suppressions:
        return hits
    today = datetime.now(UTC).date()
    kept = []
    for hit in hits:
        finding = Finding(
            check_id=check.meta.id,
            title=check.meta.title,
            severity=check.meta.severity,
            service=check.meta.service,
            region=hit.region,
            account=account,
            resource_id=hit.resource_id,
            resource_arn=hit.resource_arn,
            detail=hit.detail,
            fingerprint=fingerprint(check.meta.id, account, hit.region, hit.resource_id),
        )
        if active_suppression(finding, config.suppressions, today=today) is None:
            kept.append(hit)
    return kept


def _plan_fix(reader: Reader, args: FixArgs) -> Proposal | Unchanged:
    check = find_check(args.check)
    meta = check.meta
    fix = meta.fix
    if fix is None:
        raise BadInput(
            f"{meta.id} has no automatic fix: {meta.no_fix}",
            remedy=meta.remediation.text,
        )
    config = load_config(reader.workspace / reader.settings.config_file)
    region = _region(reader, check, args.region)
    inventory, hits = judge(
        reader.session(),
        check,
        region or reader.region,
        config=config,
        resources=args.resources,
    )
    hits = _open_hits(check, hits, inventory.account, config, bool(args.resources))
    where = f" in {region}" if region else ""
    notes: list[str] = []
    failing = {h.resource_id for h in hits}
    passing = [r for r in args.resources if r not in failing]
    if passing:
        notes.append(
            f"Not failing {meta.id}{where}: {', '.join(f'`{_line(r)}`' for r in passing)}."
        )
    later = hits[MAX_FIX_ENTRIES:]
    limits = check.limits(config.thresholds)
    entries: list[PlanEntry] = []
    seen: set[str] = set()
    fixed: list[Hit] = []
    for hit in hits[:MAX_FIX_ENTRIES]:
        try:
            fix_args = fix.args(hit, inventory, limits)
            if fix_args is None:
                notes.append(f"`{_line(hit.resource_id)}` needs a person: {_line(hit.detail)}")
                continue
            outcome = fix.write.plan(reader, fix_args)
        except DevOpsError as exc:
            notes.append(f"`{_line(hit.resource_id)}` is left out: {_line(exc.message)}")
            continue
        if isinstance(outcome, Unchanged):
            notes.append(f"`{_line(hit.resource_id)}`: {_line(outcome.title)}.")
            continue
        fixed.append(hit)
        for entry in outcome.entries:
            key = entry.model_dump_json()
            if key not in seen:
                seen.add(key)
                entries.append(entry)
    if later:
        notes.append(
            f"{len(later)} more failing resources wait for the next plan: apply this one, "
            f"then ask for `audit fix {meta.id}` again."
        )
    if not entries:
        return Unchanged(
            f"Nothing to fix for {meta.id}{where}"
            + ("" if hits else ": no failing resource")
            + (f" ({' '.join(notes)})" if notes else ""),
            {"check": meta.id, "failing": len(hits)},
        )
    targets = [FixTarget(region=h.region, resource=h.resource_id) for h in fixed]
    entries.append(
        RECHECK.entry(
            RecheckArgs(check=meta.id, region=region, targets=targets),
            f"Run {meta.id} again on the {_plural(len(targets), 'resource')} above and "
            "record what it reads in the audit issue",
            [t.resource for t in targets],
        )
    )
    if fix.caveat:
        notes.insert(0, f"⚠️ {fix.caveat}")
    return Proposal(
        entries,
        what=f"fix {meta.id} on {_plural(len(targets), 'resource')}{where}",
        region=region or "",
        note="\n\n".join(notes),
    )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _line(text: str) -> str:
    """What AWS (or a person, through names) wrote, as one clean line of the plan's note."""
    return " ".join(clean_untrusted(text).replace("`", "'").split())


# --------------------------------------------------------------------------- re-check


class FixTarget(Args):
    """One resource a fix plan changes, where the audit reports it."""

    region: str
    """Its region as the audit reports it (``global`` for IAM and account settings)."""
    resource: ResourceRef
    """Its id or name as the audit reports it."""


class RecheckArgs(Args):
    """Arguments of the re-check step that ends an ``audit fix`` plan."""

    check: CheckId
    """The check to run again."""
    region: str | None = None
    """The region a regional check runs in; null for a global check."""
    targets: Annotated[list[FixTarget], Field(min_length=1, max_length=MAX_FIX_ENTRIES)]
    """Exactly the resources the plan fixed."""


def _names(items: list[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


def _run_recheck(writers: Writers, args: RecheckArgs) -> str:
    reader = writers.reader()
    check = find_check(args.check)
    config = load_config(reader.workspace / reader.settings.config_file)
    try:
        inventory, hits = judge(
            reader.session(),
            check,
            args.region or reader.region,
            config=config,
            resources=[t.resource for t in args.targets],
        )
    except DevOpsError as exc:
        return f"could not re-check {check.meta.id}: {exc.message}"
    failing = {h.resource_id: h for h in hits}
    applying = writers.applying
    now = datetime.now(UTC).replace(microsecond=0)
    outcomes = [
        Recheck(
            check_id=check.meta.id,
            region=target.region,
            resource_id=target.resource,
            fingerprint=fingerprint(
                check.meta.id, inventory.account, target.region, target.resource
            ),
            resolved=target.resource not in failing,
            detail=failing[target.resource].detail
            if target.resource in failing
            else f"{check.title(config.thresholds)}: passes.",
            plan_id=applying.plan_id,
            requester=applying.requester,
            approver=applying.approver,
            applied_at=now,
            run_url=applying.run_url,
        )
        for target in args.targets
    ]
    resolved = [o.resource_id for o in outcomes if o.resolved]
    still = [o for o in outcomes if not o.resolved]
    parts = [f"re-checked {check.meta.id}"]
    if resolved:
        parts.append(f"✅ resolved {_names(resolved)}")
    if still:
        parts.append(
            "❌ still failing "
            + "; ".join(f"{o.resource_id} ({o.detail})" for o in still[:_SHOWN])
            + (f" and {len(still) - _SHOWN} more" if len(still) > _SHOWN else "")
        )
    kept = record(reader.github, reader.repository, outcomes, reader.settings.signing_key)
    return ": ".join(parts[:1]) + " — " + "; ".join(parts[1:]) + (f" ({kept})" if kept else "")


#: How recent a re-check record must be to be this apply's own (an apply's write session
#: lasts 15 minutes; the rest is slack for clocks).
RECORD_WINDOW = timedelta(hours=1)


def _recheck_calls(args: RecheckArgs) -> list[ApiCall]:
    """The comment on the audit issue: the re-check's one change (no IAM side)."""
    return [
        ApiCall(
            service="github",
            operation="POST /repos/{owner}/{repo}/issues/{number}/comments",
            params={
                "body": f"<the re-check of {args.check} on "
                f"{_plural(len(args.targets), 'resource')}: a table and the signed records>"
            },
            resources=(),
            when="on the repository's open devops-audit issue, if there is one; the check "
            "itself runs again with the read role first",
        )
    ]


def _verify_recheck(reader: Reader, args: RecheckArgs) -> Verification:
    """The record of this re-check in the open audit issue, read back."""
    from github import GithubException

    if reader.github is None:
        return Verified("re-checked; no GitHub connection to record it in")
    wanted = {(t.region, t.resource) for t in args.targets}
    since = datetime.now(UTC) - RECORD_WINDOW
    try:
        issue = find_audit_issue(reader.github, reader.repository)
        if issue is None:
            return Verified("re-checked; no open audit issue to record it in")
        found = [
            r
            for r in read_issue_records(reader.github, issue, reader.settings.signing_key)
            if r.check_id == args.check
            and (r.region, r.resource_id) in wanted
            and r.applied_at >= since
        ]
    except GithubException as exc:
        return NotAsPlanned(f"the audit issue could not be read (GitHub answered {exc.status})")
    newest = {(r.region, r.resource_id): r for r in found}
    if set(newest) != wanted:
        return NotAsPlanned(
            f"#{issue.number} holds no re-check record of {args.check} for "
            f"{_plural(len(wanted - set(newest)), 'resource')} of the plan"
        )
    resolved = sum(r.resolved for r in newest.values())
    return Verified(
        f"recorded in #{issue.number}: {resolved} of {_plural(len(wanted), 'resource')} resolved"
    )


def _nothing_to_undo(reader: Reader, before: object, args: RecheckArgs) -> list[PlanEntry]:
    """Nothing: the re-check changed no resource; its record stays as what was read then."""
    return []


def _only_in_fix_plans(reader: Reader, args: RecheckArgs) -> Proposal:
    raise BadInput(
        "The re-check is planned only as the last step of `audit fix`.",
        remedy="Ask for `audit fix CHECK_ID` instead.",
    )


def _fixable() -> list[Check]:
    return [c for c in discover_checks() if c.meta.fix is not None]


def _fix_writes() -> tuple[Write[Any], ...]:
    """Every write a fix plan may carry: each fixable check's write, or for a composite
    (whose preview plans other operations) the operations it plans, once."""
    found: dict[str, Write[Any]] = {}
    todo = [c.meta.fix.write for c in _fixable() if c.meta.fix is not None]
    while todo:
        write = todo.pop()
        if write.run is None:
            todo.extend(write.emits)
        else:
            found.setdefault(write.name, write)
    return tuple(found[name] for name in sorted(found))


def _check_reads() -> tuple[str, ...]:
    """What the preview (and the re-check) read: the fixable checks' inventory parts."""
    actions = {
        action
        for check in _fixable()
        for part in expand_parts(check.meta.requires)
        for action in PARTS[part].actions
    }
    return tuple(sorted(actions | {"sts:GetCallerIdentity"}))


RECHECK = Write(
    name="audit.recheck",
    args=RecheckArgs,
    summary="Run a check again on the resources a fix plan changed (its last step).",
    service="audit",
    agent="The last step of an audit fix plan: plan_audit_fix adds it.",
    github=("issues: write",),  # the comment on the audit issue (skipped, and said, without)
    reads=_check_reads(),
    arns=(),
    plan=_only_in_fix_plans,
    run=_run_recheck,
    calls=_recheck_calls,
    verify=_verify_recheck,
    undo=_nothing_to_undo,
    examples=(
        {
            "check": "ec2_instance_imdsv2_required",
            "region": "us-east-1",
            "targets": [{"region": "us-east-1", "resource": "i-0123456789abcdef0"}],
        },
        {
            "check": "s3_bucket_versioning_enabled",
            "region": None,
            "targets": [
                {"region": "global", "resource": "logs"},
                {"region": "global", "resource": "assets"},
            ],
        },
    ),
)

AUDIT_FIX = Write(
    name="audit.fix",
    args=FixArgs,
    summary="Plan the fix of a check's failing resources, then re-check them after the apply.",
    service="audit",
    tool="plan_audit_fix",
    commands=(
        Command(
            "audit fix CHECK_ID [RESOURCE...] [--region R]",
            "Plan the fix of a check's failing resources (re-checked after the apply).",
        ),
    ),
    guide="Runs the check (every failing resource, or only those named), builds one plan "
    "with one entry per failing resource from the check's declared fix, and ends it with a "
    "re-check of exactly those resources after the apply. Checks without a safe automatic "
    "fix are refused with the reason. Suppressed findings are left out unless named.",
    reads=_check_reads(),
    arns=(),
    emits=(*_fix_writes(), RECHECK),
    plan=_plan_fix,
    run=None,
    timeout=300.0,
)


OPERATIONS = (AUDIT_FIX, RECHECK)
