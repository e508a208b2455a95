"""Render every generated policy document into markdown under docs/policies/, for reviewers who run nothing.

The documents are the pure functions of `components/hardened/aws/documents/*.py` and
`components/hardened/gcp/documents/*.py`, listed explicitly in `DOCUMENTS` with example arguments made of the
placeholders in `PLACEHOLDERS`. One markdown file per documents module, one `##` section per rendered call (the
function's docstring, first paragraph, as its reason); an IAM-style document gets one `###` section per statement,
headed by its Sid, with the reason the code gives for it (the docstring of the function that writes that Sid, or
the comment right above the statement when one function writes several); a GCP deny rule is headed by its
description. Any other document (EventBridge pattern, organization-policy spec) is shown whole.

    .venv/bin/python scripts/render_policies.py --write    # rewrite docs/policies/
    .venv/bin/python scripts/render_policies.py --check    # exit 1, listing the stale files

`tests/test_policy_docs.py` fails whenever a committed file differs from what this script renders.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import io
import json
import sys
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "components") not in sys.path:
    sys.path.insert(0, str(ROOT / "components"))

OUT = ROOT / "docs" / "policies"
PACKAGES = ("hardened.aws.documents", "hardened.gcp.documents")
REGENERATE = "regenerate them with `.venv/bin/python scripts/render_policies.py --write` and commit docs/policies/"
NO_REASON = "(no reason in the code)"
SHARED = "\0shared\0"  # marks a reason shared by the statements of one function, in statement_reasons

# Every id in the rendered documents is one of these: a reviewer reads `111122223333` as "the workload account".
# Strings, and a few whole numbers: each passed where a document function takes that kind of value.
PLACEHOLDERS: dict[str, tuple[Any, str]] = {
    "workload_account": ("111122223333", "a workload account (the account a document is deployed in)"),
    "backup_account": ("444455556666", "the backup account (the vault and buckets copies land in)"),
    "second_workload_account": ("555566667777", "a second workload account (another source of copies)"),
    "security_account": ("777788889999", "the security account (the alarm hub, the break-glass users)"),
    "organization": ("o-exampleorgid", "the AWS organization id"),
    "deployer": ("arn:aws:iam::111122223333:role/hardened-deployer", "the deployment role (what `pulumi up` runs as)"),
    "break_glass": ("arn:aws:iam::111122223333:role/hardened-break-glass", "the break-glass role"),
    "break_glass_role_name": ("hardened-break-glass", "the break-glass role's name, the same in every account"),
    "break_glass_user_name": ("breakglass-alice", "a break-glass IAM user's name"),
    "break_glass_user": (
        "arn:aws:iam::777788889999:user/breakglass-alice",
        "a break-glass IAM user (security account)",
    ),
    "break_glass_group": ("arn:aws:iam::777788889999:group/hardened-break-glass", "the break-glass users' group"),
    "break_glass_role_policy": (
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "the managed policy of the break-glass role",
    ),
    "region": ("eu-west-1", "the stack's region"),
    "second_region": ("eu-central-1", "a second region in use (replicas)"),
    "prefix": ("hardened", "the name prefix of the alarm path (the hub's name)"),
    "bucket": ("arn:aws:s3:::hardened-example-bucket", "a protected bucket"),
    "replica_bucket": ("arn:aws:s3:::hardened-example-replica", "the bucket replicas land in"),
    "key": ("arn:aws:kms:eu-west-1:111122223333:key/11111111-2222-3333-4444-555555555555", "a KMS key"),
    "replica_key": (
        "arn:aws:kms:eu-central-1:444455556666:key/66666666-7777-8888-9999-000000000000",
        "the replica bucket's key",
    ),
    "replication_role": ("arn:aws:iam::111122223333:role/hardened-replication", "an S3 replication role"),
    "trail": ("arn:aws:cloudtrail:eu-west-1:111122223333:trail/hardened-organization-trail", "the organization trail"),
    "log_group": ("arn:aws:logs:eu-west-1:111122223333:log-group:hardened-trail", "a CloudWatch Logs group"),
    "topic": ("arn:aws:sns:eu-west-1:111122223333:hardened-alarms", "the alarm topic"),
    "bus": ("arn:aws:events:eu-west-1:777788889999:event-bus/hardened", "the alarm hub's event bus"),
    "vault": ("arn:aws:backup:eu-west-1:444455556666:backup-vault:hardened-vault", "a backup vault"),
    "restore_plan_prefix": (
        "arn:aws:backup:eu-west-1:111122223333:restore-testing-plan:hardened-restore-tests-",
        "the ARN prefix of a restore testing plan",
    ),
    "metric_namespace": ("Hardened/RestoreValidation", "the restore validator's metric namespace"),
    "google_subject": ("100000000000000000001", "the numeric subject id of the GCP backup project's transfer agent"),
    "vault_retention_days": (30, "the minimum retention of a vault lock, in days"),
    "mfa_age_seconds": (3600, "how recent a break-glass user's MFA must be, in seconds"),
    "gcp_organization": ("123456789012", "the GCP organization id"),
    "gcp_project_number": ("100000000001", "the GCP backup project's number"),
    "gcp_customer": ("C0example", "the Google Workspace / Cloud Identity customer id"),
    "gcp_break_glass": ("principal://goog/subject/break-glass@example.com", "a GCP break-glass principal"),
    "gcp_deployer": (
        "principal://iam.googleapis.com/projects/-/serviceAccounts/deployer@hardened-backup.iam.gserviceaccount.com",
        "the GCP deployment service account",
    ),
    "gcp_location": ("in:eu-locations", "the allowed GCP locations"),
    "gcp_retention_days": (30, "the allowed bucket retention, in days"),
}
P = {name: value for name, (value, _) in PLACEHOLDERS.items()}

from hardened.aws.documents import alerts as _alerts  # noqa: E402
from hardened.aws.documents import key_policy as _key_policy  # noqa: E402
from hardened.aws.documents import service_roles as _service_roles  # noqa: E402  (grants shown inside other documents)
from hardened.gcp.documents import service_agents as _service_agents  # noqa: E402


@dataclass(frozen=True)
class Doc:
    """One rendered call: `module` (relative to hardened), `function`, its example arguments, and a label when the
    same function is rendered more than once."""

    module: str
    function: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    label: str = ""


ADMINS = [P["deployer"]]
BREAK_GLASS = [P["break_glass"]]

DOCUMENTS: tuple[Doc, ...] = (
    # aws/alerts.py
    Doc("aws.documents.alerts", "alert_topic_policy", (P["topic"], P["workload_account"])),
    Doc("aws.documents.alerts", "alarm_bus_policy", (P["bus"], P["organization"])),
    Doc("aws.documents.alerts", "trust_event_forwarding", (P["workload_account"],)),
    Doc("aws.documents.alerts", "allow_forwarding_to", (P["bus"],)),
    Doc("aws.documents.alerts", "break_glass_sign_in_pattern", (P["workload_account"], [P["break_glass_user_name"]])),
    Doc("aws.documents.alerts", "break_glass_assume_role_pattern", (P["break_glass_role_name"],)),
    # aws/backup_plane_events.py
    *(
        Doc("aws.documents.backup_plane_events", name)
        for name in (
            "backup_job_failure_pattern",
            "backup_tampering_pattern",
            "bucket_tampering_pattern",
            "direct_grant_pattern",
            "key_tampering_pattern",
            "organization_tampering_pattern",
            "restore_job_failure_pattern",
            "trail_tampering_pattern",
        )
    ),
    *(
        Doc("aws.documents.backup_plane_events", name, (P["prefix"],))
        for name in (
            "alarm_state_pattern",
            "alert_bus_tampering_pattern",
            "alert_rule_tampering_pattern",
            "validator_tampering_pattern",
        )
    ),
    Doc("aws.documents.backup_plane_events", "alert_topic_tampering_pattern", ("hardened-alarms",)),
    *(
        Doc("aws.documents.backup_plane_events", name, (P["break_glass_role_name"],))
        for name in (
            "break_glass_assume_role_pattern",
            "break_glass_console_pattern",
            "break_glass_role_changes_pattern",
        )
    ),
    *(
        Doc("aws.documents.backup_plane_events", name, ([P["break_glass_user_name"]],))
        for name in ("break_glass_sign_in_pattern", "break_glass_user_changes_pattern")
    ),
    # aws/bucket_policy.py
    Doc(
        "aws.documents.bucket_policy",
        "immutable_bucket_policy",
        (
            P["bucket"],
            BREAK_GLASS,
            P["organization"],
            _service_roles.allow_replication_into(P["replica_bucket"], [P["replication_role"]]),
            *_service_roles.allow_cloudtrail_delivery(P["bucket"], P["trail"]),
        ),
        label="with the grants ImmutableBucket may add (replication into it, CloudTrail delivery)",
    ),
    # aws/guardrails.py
    Doc("aws.documents.guardrails", "organization_guardrails", (P["trail"], [P["region"], P["second_region"]])),
    Doc(
        "aws.documents.guardrails",
        "workload_guardrails",
        (P["deployer"], [P["deployer"], P["break_glass"]], P["vault_retention_days"]),
    ),
    Doc(
        "aws.documents.guardrails",
        "backup_account_guardrails",
        (P["deployer"], [P["deployer"], P["break_glass"]], P["vault_retention_days"]),
    ),
    Doc(
        "aws.documents.guardrails",
        "backup_perimeter_guardrails",
        (P["deployer"], [P["deployer"], P["break_glass"]], P["organization"]),
    ),
    Doc("aws.documents.guardrails", "log_archive_guardrails", (P["deployer"], [P["deployer"], P["break_glass"]])),
    Doc(
        "aws.documents.guardrails",
        "security_account_guardrails",
        (P["deployer"], [P["deployer"], P["break_glass"]], [P["break_glass_user"]], P["break_glass_group"]),
    ),
    Doc(
        "aws.documents.guardrails",
        "alert_path_guardrails",
        (P["deployer"], BREAK_GLASS, P["prefix"]),
        label="in a member account",
    ),
    Doc(
        "aws.documents.guardrails",
        "alert_path_guardrails",
        (P["deployer"], BREAK_GLASS, P["prefix"]),
        {"hub": True},
        label="in the hub's account",
    ),
    # aws/key_policy.py
    Doc(
        "aws.documents.key_policy",
        "storage_key_policy",
        (
            P["workload_account"],
            P["region"],
            "s3",
            ADMINS,
            _key_policy.allow_replica_encryption([P["replication_role"]], P["second_region"]),
        ),
        {"break_glass_arns": BREAK_GLASS},
        label="an ImmutableBucket's key, with replication",
    ),
    Doc(
        "aws.documents.key_policy",
        "storage_key_policy",
        (
            P["backup_account"],
            P["region"],
            "backup",
            ADMINS,
            _key_policy.allow_grants_through_service(P["backup_account"], "backup", P["region"]),
        ),
        {"break_glass_arns": BREAK_GLASS},
        label="a LockedVault's key",
    ),
    Doc(
        "aws.documents.key_policy",
        "storage_key_policy",
        (P["workload_account"], P["region"], "s3", ADMINS, _key_policy.allow_cloudtrail_encryption(P["trail"])),
        {"break_glass_arns": BREAK_GLASS},
        label="the OrganizationTrail's key",
    ),
    Doc(
        "aws.documents.key_policy",
        "storage_key_policy",
        (P["workload_account"], P["region"], "sns", ADMINS, _alerts.allow_alarm_encryption()),
        {"break_glass_arns": BREAK_GLASS},
        label="the AlertTopic's key",
    ),
    Doc(
        "aws.documents.key_policy",
        "storage_key_policy",
        (P["workload_account"], P["region"], "s3", ADMINS),
        label="sealed: no break-glass roles",
    ),
    Doc("aws.documents.key_policy", "sealed_administration", (ADMINS, BREAK_GLASS)),
    # aws/malware_scans.py
    Doc("aws.documents.malware_scans", "recovery_point_scanner_trust", (P["workload_account"],)),
    Doc("aws.documents.malware_scans", "infected_recovery_point_pattern", (P["workload_account"],)),
    Doc("aws.documents.malware_scans", "unproven_scan_pattern", (P["workload_account"],)),
    # aws/mfa.py
    Doc("aws.documents.mfa", "require_mfa"),
    Doc(
        "aws.documents.mfa",
        "break_glass_user_policy",
        (P["break_glass_role_name"], P["organization"], P["mfa_age_seconds"]),
    ),
    Doc("aws.documents.mfa", "trust_break_glass_users", ([P["break_glass_user"]], P["mfa_age_seconds"])),
    # aws/resource_controls.py
    Doc("aws.documents.resource_controls", "data_perimeter", (P["organization"],)),
    Doc("aws.documents.resource_controls", "web_identity_controls", ([P["google_subject"]],)),
    # aws/restore_validation.py
    Doc(
        "aws.documents.restore_validation",
        "restore_validation_pattern",
        (P["workload_account"], P["restore_plan_prefix"]),
    ),
    Doc("aws.documents.restore_validation", "restore_validation_trust", (P["workload_account"],)),
    Doc(
        "aws.documents.restore_validation",
        "restore_validation_permissions",
        ("aws", P["log_group"], P["metric_namespace"]),
    ),
    # aws/service_roles.py
    Doc("aws.documents.service_roles", "trusted_by_service", ("backup", P["workload_account"])),
    Doc(
        "aws.documents.service_roles",
        "replication_permissions",
        (P["bucket"], P["key"], P["replica_bucket"], P["replica_key"]),
    ),
    Doc("aws.documents.service_roles", "allow_cloudtrail_log_delivery", (P["log_group"],)),
    # aws/transfer.py
    Doc("aws.documents.transfer", "trusted_by_google_transfer_service", (P["google_subject"],)),
    Doc("aws.documents.transfer", "read_one_bucket", (P["bucket"], P["key"])),
    # aws/vault_policy.py
    Doc(
        "aws.documents.vault_policy",
        "backup_vault_access_policy",
        (P["vault"], [P["workload_account"], P["second_workload_account"]]),
    ),
    # gcp/deny_policies.py
    Doc("gcp.documents.deny_policies", "folder_deny_rules", ([P["gcp_break_glass"]], [P["gcp_deployer"]])),
    # gcp/org_policies.py
    Doc("gcp.documents.org_policies", "no_service_account_keys"),
    Doc("gcp.documents.org_policies", "no_public_buckets"),
    Doc("gcp.documents.org_policies", "uniform_bucket_access"),
    Doc("gcp.documents.org_policies", "retention_periods", ([P["gcp_retention_days"]],)),
    Doc("gcp.documents.org_policies", "resource_locations", ([P["gcp_location"]],)),
    Doc("gcp.documents.org_policies", "member_domains", ([P["gcp_customer"]],)),
    Doc(
        "gcp.documents.org_policies",
        "allowed_policy_members",
        (
            P["gcp_organization"],
            [
                _service_agents.storage_agent(P["gcp_project_number"]),
                _service_agents.transfer_agent(P["gcp_project_number"]),
                _service_agents.pam_agent(P["gcp_organization"]),
            ],
        ),
    ),
    Doc("gcp.documents.org_policies", "member_domains_lifted"),
)

_STATEMENT = "one statement: rendered as a ### section of the documents that hold it"
_PATTERN_BUNDLE = (
    "the patterns rendered one by one in these files, keyed by rule name; rendering them again would only repeat them"
)

# Public functions of the documents modules that return a dict (or a list of dicts) and are not rendered on their own.
NOT_DOCUMENTS: dict[tuple[str, str], str] = {
    ("aws.documents.alerts", "allow_alarm_encryption"): _STATEMENT + " (storage_key_policy, the AlertTopic's key)",
    ("aws.documents.alerts", "allow_alarm_publishing"): _STATEMENT + " (alert_topic_policy)",
    ("aws.documents.alerts", "deny_insecure_transport"): _STATEMENT + " (alert_topic_policy)",
    (
        "aws.documents.backup_plane_events",
        "api_calls",
    ): "a builder of event patterns from a service and its API calls; every pattern built with it is rendered",
    ("aws.documents.backup_plane_events", "forwarded_patterns"): _PATTERN_BUNDLE,
    (
        "aws.documents.backup_plane_events",
        "heartbeat_input",
    ): "the input an EventBridge rule hands its target, not a policy or a pattern",
    **{
        ("aws.documents.bucket_policy", name): _STATEMENT + " (immutable_bucket_policy)"
        for name in (
            "deny_insecure_transport",
            "deny_outdated_tls",
            "deny_outside_organization",
            "deny_protection_changes",
            "deny_retention_bypass",
        )
    },
    **{
        ("aws.documents.guardrails", name): _STATEMENT + " (the guardrail SCPs)"
        for name in (
            "deny_alert_bus_changes",
            "deny_alert_bus_removal",
            "deny_alert_path_changes",
            "deny_alert_path_removal",
            "deny_backup_destruction",
            "deny_backup_setting_changes",
            "deny_break_glass_role_changes",
            "deny_break_glass_role_creation",
            "deny_break_glass_user_changes",
            "deny_break_glass_user_creation",
            "deny_bucket_destruction",
            "deny_bucket_protection_changes",
            "deny_deployment_role_changes",
            "deny_key_destruction",
            "deny_key_lockout_bypass",
            "deny_key_repolicy",
            "deny_lasting_identities",
            "deny_leaving_organization",
            "deny_mfa_enrollment_by_others",
            "deny_new_role_trust",
            "deny_other_break_glass_role_policies",
            "deny_passing_roles_to_backup",
            "deny_protection_tag_changes",
            "deny_protection_tag_removal",
            "deny_restores_and_copies_out",
            "deny_root_user",
            "deny_scratch_bucket_exposure",
            "deny_sharing",
            "deny_trail_tampering",
            "deny_unused_regions",
            "deny_weaker_vault_locks",
            "deny_writes_outside_organization",
        )
    },
    **{
        ("aws.documents.key_policy", name): _STATEMENT + " (storage_key_policy)"
        for name in (
            "allow_cloudtrail_encryption",
            "allow_grants_through_service",
            "allow_key_administration",
            "allow_key_policy_changes",
            "allow_replica_encryption",
            "allow_use_through_service",
            "deny_key_destruction",
        )
    },
    ("aws.documents.malware_scans", "scan_alarm_patterns"): _PATTERN_BUNDLE,
    **{
        ("aws.documents.mfa", name): _STATEMENT + " (require_mfa, break_glass_user_policy, organization_guardrails)"
        for name in (
            "allow_assuming_break_glass",
            "allow_listing_mfa_devices",
            "allow_mfa_self_service",
            "deny_access_key_creation",
            "deny_everything_without_mfa",
            "deny_others_mfa_without_mfa",
            "deny_sensitive_actions_without_mfa",
        )
    },
    **{
        ("aws.documents.resource_controls", name): _STATEMENT + " (data_perimeter, web_identity_controls)"
        for name in (
            "deny_access_outside_organization",
            "deny_customer_provided_keys",
            "deny_foreign_web_identities",
            "deny_insecure_transport",
            "deny_services_acting_for_others",
        )
    },
    (
        "aws.documents.service_roles",
        "allow_cloudtrail_delivery",
    ): "statements: rendered as grants of immutable_bucket_policy",
    (
        "aws.documents.service_roles",
        "allow_replication_into",
    ): "one statement: rendered as a grant of immutable_bucket_policy",
    ("aws.documents.statements", "policy_document"): "the envelope every IAM document above is built with",
    (
        "aws.documents.statements",
        "unless_principal_is",
    ): "a Condition builder, rendered inside the statements that use it",
    (
        "aws.documents.statements",
        "with_condition",
    ): "adds a Condition to a statement, rendered inside the statements that use it",
    **{
        ("aws.documents.vault_policy", name): _STATEMENT + " (backup_vault_access_policy)"
        for name in ("allow_copies_from_accounts", "deny_recovery_point_destruction")
    },
    **{
        ("gcp.documents.deny_policies", name): "one deny rule: rendered as a ### section of folder_deny_rules"
        for name in (
            "deny_backup_destruction",
            "deny_backup_protection_changes",
            "deny_key_access_changes",
            "deny_key_destruction",
            "deny_project_removal",
        )
    },
    (
        "gcp.documents.log_alerts",
        "first_entry_condition",
    ): "a Cloud Monitoring alert condition around a log filter, not a policy",
    (
        "gcp.documents.org_policies",
        "folder_policy_specs",
    ): "the specs rendered one by one in gcp-org_policies.md, keyed by constraint; rendering them again would only repeat them",
}


# ---------------------------------------------------------------------------------------------------------------
# Reasons, read from the code


def first_paragraph(text: str | None) -> str:
    if not text:
        return NO_REASON
    paragraph = inspect.cleandoc(text).split("\n\n")[0]
    return " ".join(line.strip() for line in paragraph.splitlines())


def _module(name: str):
    return importlib.import_module(f"hardened.{name}")


def _comments(source: str) -> dict[int, str]:
    return {
        tok.start[0]: tok.string.lstrip("#").strip()
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    }


def _comment_above(lines: list[str], comments: dict[int, str], line: int) -> str | None:
    """The comment block right above `line` (1-based), or the comment at the end of it."""
    block: list[str] = []
    number = line - 1
    while number >= 1 and lines[number - 1].strip().startswith("#"):
        block.insert(0, comments[number])
        number -= 1
    if block:
        return " ".join(block)
    return comments.get(line) if not lines[line - 1].strip().startswith("#") else None


def statement_reasons(module_name: str) -> dict[str, str]:
    """Sid (or deny-rule description) -> the reason the code gives for it, for every literal one in the module.

    The literal's function's docstring when that function writes only that one statement; when it writes several,
    the comment right above the statement (no reason, when there is none)."""
    module = _module(module_name)
    source = inspect.getsource(module)
    lines, comments = source.splitlines(), _comments(source)
    reasons: dict[str, str] = {}
    for function in ast.parse(source).body:
        if not isinstance(function, ast.FunctionDef):
            continue
        found: list[tuple[str, int]] = []  # (key, line of the statement)
        for node in ast.walk(function):
            if isinstance(node, ast.Dict):
                for entry, value in zip(node.keys, node.values, strict=True):
                    if (
                        isinstance(entry, ast.Constant)
                        and entry.value == "Sid"
                        and isinstance(value, ast.Constant)
                        and isinstance(value.value, str)
                    ):
                        found.append((value.value, node.lineno))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_deny_rule":
                if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    found.append((node.args[0].value, node.lineno))
        for key, line in found:
            if len(found) == 1:
                reason = first_paragraph(ast.get_docstring(function))
            else:
                reason = (
                    _comment_above(lines, comments, line)
                    or f"{SHARED}{function.name}\0{first_paragraph(ast.get_docstring(function))}"
                )
            if reasons.get(key, reason) != reason:
                raise ValueError(f"{module_name}: {key!r} is written with two different reasons")
            reasons[key] = reason
    return reasons


def all_modules() -> list[str]:
    names = []
    for package in PACKAGES:
        directory = Path(cast(str, importlib.import_module(package).__file__)).parent  # a package on disk has a file
        names += [
            f"{package.removeprefix('hardened.')}.{p.stem}"
            for p in sorted(directory.glob("*.py"))
            if p.stem != "__init__"
        ]
    return names


def reason_for(key: str, module_name: str, document: str, reasons: dict[str, dict[str, str]]) -> str:
    """The statement's reason from its document's own module first; else from the one other module that writes it.

    A statement written beside others in one function, with no comment of its own, shares that function's
    docstring; when that function is the document's own, its docstring is already the section's reason."""
    if key in reasons[module_name]:
        reason = reasons[module_name][key]
    else:
        elsewhere = sorted({r[key] for name, r in reasons.items() if key in r})
        if len(elsewhere) > 1:
            raise ValueError(
                f"{key!r} (in a document of {module_name}) is written in several modules with different reasons"
            )
        reason = elsewhere[0] if elsewhere else NO_REASON
    if reason.startswith(SHARED):
        writer, docstring = reason.removeprefix(SHARED).split("\0")
        if writer == document or docstring == NO_REASON:
            return f"{NO_REASON} beyond the document's own, above."
        return f"(shared by every statement of `{writer}`) {docstring}"
    return reason


# ---------------------------------------------------------------------------------------------------------------
# Rendering


def pretty(value: object) -> str:
    return "```json\n" + json.dumps(value, indent=2, sort_keys=True) + "\n```\n"


def file_name(module_name: str) -> str:
    cloud, _, stem = module_name.split(".")
    return f"{cloud}-{stem}.md"


def _statements(result: object) -> list[dict] | None:
    """The statements of an IAM-style document (a policy, or a list of statements), else None."""
    if isinstance(result, dict) and isinstance(result.get("Statement"), list):
        return result["Statement"]
    if isinstance(result, list) and result and all(isinstance(s, dict) and "Effect" in s for s in result):
        return result
    return None


def _deny_rules(result: object) -> list[dict] | None:
    if isinstance(result, list) and result and all(isinstance(r, dict) and "deny_rule" in r for r in result):
        return result
    return None


def render_doc(doc: Doc, reasons: dict[str, dict[str, str]]) -> tuple[str, int]:
    """One `##` section, and how many statements (or deny rules) it holds."""
    function = getattr(_module(doc.module), doc.function)
    result = function(*doc.args, **doc.kwargs)
    title = f"## `{doc.function}`" + (f": {doc.label}" if doc.label else "")
    out = [title, "", first_paragraph(function.__doc__), ""]
    statements, rules = _statements(result), _deny_rules(result)
    if statements is not None:
        if isinstance(result, dict):
            envelope = {k: v for k, v in result.items() if k != "Statement"}
            out += [f"Document: {json.dumps(envelope, sort_keys=True)}, {len(statements)} statement(s).", ""]
        for number, statement in enumerate(statements, 1):
            sid = statement.get("Sid")
            heading = f"### {number}. `{sid}`" if sid else f"### {number}. (no Sid)"
            out += [
                heading,
                "",
                reason_for(sid, doc.module, doc.function, reasons) if sid else NO_REASON,
                "",
                pretty(statement),
            ]
        return "\n".join(out), len(statements)
    if rules is not None:
        for number, rule in enumerate(rules, 1):
            description = rule.get("description")
            heading = f"### {number}. {description}" if description else f"### {number}. (no description)"
            out += [
                heading,
                "",
                reason_for(description, doc.module, doc.function, reasons) if description else NO_REASON,
                "",
                pretty(rule),
            ]
        return "\n".join(out), len(rules)
    out.append(pretty(result))
    return "\n".join(out), 0


def render() -> dict[str, str]:
    """File name (relative to docs/policies/) -> its content."""
    modules = all_modules()
    reasons = {name: statement_reasons(name) for name in modules}
    files: dict[str, str] = {}
    index_rows = []
    by_module: dict[str, list[Doc]] = {}
    for doc in DOCUMENTS:
        by_module.setdefault(doc.module, []).append(doc)
    for module_name in sorted(by_module):
        module = _module(module_name)
        sections, statements = [], 0
        for doc in by_module[module_name]:
            text, count = render_doc(doc, reasons)
            sections.append(text)
            statements += count
        name = file_name(module_name)
        source = f"components/hardened/{module_name.replace('.', '/')}.py"
        header = [
            f"# `{source}`",
            "",
            first_paragraph(module.__doc__),
            "",
            f"Generated by `scripts/render_policies.py` with the placeholders of [README.md](README.md); do not edit, {REGENERATE}.",
            "",
        ]
        files[name] = "\n".join(header) + "\n" + "\n".join(sections)
        index_rows.append(
            f"| [{name}]({name}) | {first_paragraph(module.__doc__)} | {len(by_module[module_name])} | {statements or '(shown whole)'} |"
        )
    files["README.md"] = _index(index_rows)
    return files


def _index(rows: list[str]) -> str:
    placeholders = [
        f"| `{json.dumps(value) if not isinstance(value, str) else value}` | `{name}` | {what} |"
        for name, (value, what) in PLACEHOLDERS.items()
    ]
    not_documents = [f"| `{m}.{f}` | {why} |" for (m, f), why in sorted(NOT_DOCUMENTS.items())]
    return "\n".join(
        [
            "# Policy documents",
            "",
            "Every policy document the components generate (IAM and resource policies, trust policies, KMS key policies,",
            "SCPs and RCPs, EventBridge event patterns, GCP deny rules and organization-policy specs), rendered from the",
            "pure functions of `components/hardened/*/documents/` with example arguments, so a reviewer can read them",
            "without running anything. Each statement comes with the reason the code gives for it, or",
            f'"{NO_REASON}".',
            "",
            f"Generated by `scripts/render_policies.py`; do not edit, {REGENERATE}. `tests/test_policy_docs.py` fails when",
            "these files are stale.",
            "",
            "| File | What it protects | Documents | Statements / rules |",
            "|---|---|---|---|",
            *rows,
            "",
            "## Placeholders",
            "",
            "The ids in the documents are these placeholders; a real stack puts its own in their place. The role ARNs",
            "are the workload account's in every document, also in those a real stack attaches in another account",
            "(the backup, log-archive and security accounts' SCPs name that account's own roles).",
            "",
            "| Placeholder | Name in the script | Stands for |",
            "|---|---|---|",
            *placeholders,
            "",
            "## Not rendered on their own",
            "",
            "Public functions of the documents modules that return a dict (or a list of dicts) but are not a document:",
            "",
            "| Function | Why |",
            "|---|---|",
            *not_documents,
            "",
        ]
    )


def stale(files: dict[str, str]) -> list[str]:
    """Files under docs/policies/ that differ from `files`, are missing, or should not be there."""
    present = {p.name for p in OUT.glob("*.md")} if OUT.is_dir() else set()
    wrong = [name for name, text in files.items() if not (OUT / name).is_file() or (OUT / name).read_text() != text]
    return sorted({*wrong, *(present - set(files))})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite docs/policies/")
    mode.add_argument("--check", action="store_true", help="exit 1, listing the files that are stale")
    options = parser.parse_args(argv)
    files = render()
    if options.check:
        wrong = stale(files)
        for name in wrong:
            print(f"stale: docs/policies/{name}")
        if wrong:
            print(REGENERATE)
        return 1 if wrong else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name in stale(files):
        path = OUT / name
        if name in files:
            path.write_text(files[name])
        else:
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
