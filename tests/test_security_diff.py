"""`hardened diff BASE.json HEAD.json`: every weakening named first (exit 1), strengthening and no change pass
(exit 0), unreadable or invalid plans refused in one paragraph (exit 2).

HEAD plans are the real plans of `prod` and `org`, edited the way a code change would show up in them; one case
runs the real program on an edited stack file.
"""

import argparse
import copy
import json
import shutil
from pathlib import Path

import pytest
from planning import shipped_plan

from hardened_tools.plan import build_plan, find_project, run_stack
from hardened_tools.plan.deploy_rules import check_deployable
from hardened_tools.plan.document import dumps
from hardened_tools.review.diff import Change, Diff, register, render_diff, security_diff

ROOT = Path(__file__).resolve().parents[1]
BACKUP_ACCOUNT = "555910829563"


@pytest.fixture(scope="module")
def plans() -> dict[str, dict]:
    return {stack: shipped_plan(stack) for stack in ("prod", "org")}


def diff_cli(tmp_path: Path, capsys, base: dict | str, head: dict | str, *options: str) -> tuple[int, str, str]:
    """Write both plans to files and run `diff` through its argparse handler, as `hardened diff` will."""
    files = []
    for label, plan in (("base", base), ("head", head)):
        path = tmp_path / f"{label}.json"
        path.write_text(plan if isinstance(plan, str) else dumps(plan))
        files.append(str(path))
    return run_diff(capsys, *files, *options)


def run_diff(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="hardened")
    register(parser.add_subparsers(required=True))
    args = parser.parse_args(["diff", *argv])
    code = args.command(args)
    out, err = capsys.readouterr()
    return code, out, err


def named(plan: dict, name: str) -> dict:
    [resource] = [r for r in plan["resources"] if r["name"] == name]
    return resource


def statement(plan: dict, name: str, sid: str) -> dict:
    inputs = named(plan, name)["inputs"]
    document = inputs.get("policy") or inputs.get("content") or inputs["assumeRolePolicy"]
    [found] = [s for s in document["Statement"] if s.get("Sid") == sid]
    return found


def without(plan: dict, *names: str) -> None:
    plan["resources"] = [r for r in plan["resources"] if r["name"] not in names]


# --- weakenings: (stack, the edit a change would make, kinds expected, fragments of the messages) -----------------


def shorten_object_lock(p):
    named(p, "prod-backups-object-lock")["inputs"]["rule"]["defaultRetention"]["days"] = 30


def compliance_to_governance(p):
    named(p, "prod-replicas-object-lock")["inputs"]["rule"]["defaultRetention"]["mode"] = "GOVERNANCE"


def drop_break_glass_mfa(p):
    del statement(p, "org-break-glass-role-backup", "TrustBreakGlassUsersWithRecentMfa")["Condition"]


def exempt_another_role(p):
    condition = statement(p, "org-backup-guardrails-policy", "DenyBackupSettingChanges")["Condition"]
    condition["ArnNotEquals"]["aws:PrincipalArn"].append(f"arn:aws:iam::{BACKUP_ACCOUNT}:role/ci-runner")


def open_public_policy(p):
    named(p, "prod-backups-public-access")["inputs"]["blockPublicPolicy"] = False


def unprotect_replicas(p):
    named(p, "prod-replicas-bucket")["protect"] = False


def drop_transfer_job(p):
    without(p, "prod-to-gcp-job")


def drop_air_gapped_vault(p):
    without(p, "prod-air-gapped-vault-vault")


def lower_vault_minimum(p):
    named(p, "prod-backup-vault-lock")["inputs"]["minRetentionDays"] = 7


def vault_lock_without_grace_period(p):
    del named(p, "prod-backup-vault-lock")["inputs"]["changeableForDays"]


def drop_vault_lock(p):
    without(p, "prod-local-vault-lock")


def unlock_gcs_retention(p):
    named(p, "prod-offsite-bucket")["inputs"]["retentionPolicy"]["isLocked"] = False


def gcs_public_access_inherited(p):
    named(p, "prod-offsite-bucket")["inputs"]["publicAccessPrevention"] = "inherited"


def stop_key_rotation(p):
    named(p, "prod-backups-key")["inputs"]["enableKeyRotation"] = False


def stop_retaining_offsite(p):
    named(p, "prod-offsite-bucket")["retain_on_delete"] = False


def drop_second_region_copy(p):
    rule = named(p, "prod-backup-plan-plan")["inputs"]["rules"][0]
    rule["copyActions"] = [a for a in rule["copyActions"] if "eu-central-1" not in a["destinationVaultArn"]]


def expire_current_versions(p):
    named(p, "prod-backups-lifecycle")["inputs"]["rules"].append(
        {"id": "tidy-up", "status": "Enabled", "filter": {}, "expiration": {"days": 7}}
    )


def drop_mfa_scp_statement(p):
    content = named(p, "org-root-guardrails-policy")["inputs"]["content"]
    content["Statement"] = [s for s in content["Statement"] if s["Sid"] != "DenySensitiveActionsWithoutMfa"]


def allow_recovery_point_deletion(p):
    statement(p, "org-backup-guardrails-policy", "DenyBackupDestruction")["Action"].remove("backup:DeleteRecoveryPoint")


def exempt_buckets_from_destruction_deny(p):
    statement(p, "org-backup-guardrails-policy", "DenyBucketDestruction")["NotResource"].append("arn:aws:s3:::prod-*")


def vault_open_to_everyone(p):
    statement(p, "prod-backup-vault-policy", "AllowCopiesFromWorkloadAccounts")["Principal"] = "*"


def mfa_deny_skips_long_term_keys(p):
    statement(p, "org-workload-prod-mfa-policy", "DenyEverythingWithoutMfa")["Condition"] = {
        "Bool": {"aws:MultiFactorAuthPresent": "false"}
    }


def stale_mfa_for_break_glass(p):
    statement(p, "org-break-glass-users-policy", "AllowAssumingBreakGlass")["Condition"]["NumericLessThan"][
        "aws:MultiFactorAuthAge"
    ] = "86400"


def gcp_deny_exception(p):
    rule = named(p, "org-gcp-guardrails-deny-backup-destruction")["inputs"]["rules"][0]["denyRule"]
    rule["exceptionPrincipals"].append("principal://goog/subject/contractor@acme.example")


def gcp_deny_permission_dropped(p):
    rule = named(p, "org-gcp-guardrails-deny-backup-destruction")["inputs"]["rules"][0]["denyRule"]
    rule["deniedPermissions"].remove("storage.googleapis.com/objects.delete")


def gcp_public_access_not_enforced(p):
    named(p, "org-gcp-guardrails-storage.publicAccessPrevention")["inputs"]["spec"]["rules"][0]["enforce"] = "FALSE"


def detach_root_scp(p):
    without(p, "org-root-guardrails-attachment")


def lose_the_offsite_copy(p):
    p["outputs"]["copies"] = [c for c in p["outputs"]["copies"] if c["vendor"] != "gcp"]


def drop_replica_bucket(p):
    without(p, *[r["name"] for r in p["resources"] if r["name"].startswith("prod-replicas")])


WEAKENINGS = [
    (
        "prod",
        shorten_object_lock,
        ["retention-shortened"],
        ["prod-backups-object-lock", "inputs.rule.defaultRetention.days", "35 → 30"],
    ),
    (
        "prod",
        compliance_to_governance,
        ["compliance-to-governance"],
        ["prod-replicas-object-lock", "defaultRetention.mode", "COMPLIANCE → GOVERNANCE"],
    ),
    (
        "org",
        drop_break_glass_mfa,
        ["mfa-condition-removed", "mfa-condition-removed"],
        [
            "org-break-glass-role-backup",
            "Statement[TrustBreakGlassUsersWithRecentMfa]",
            "aws:MultiFactorAuthPresent true → (absent)",
            "aws:MultiFactorAuthAge 900 → (absent)",
        ],
    ),
    (
        "org",
        exempt_another_role,
        ["exemption-added"],
        [
            "org-backup-guardrails-policy",
            "Statement[DenyBackupSettingChanges].Condition.ArnNotEquals.aws:PrincipalArn",
            "2 entries → 3 entries",
            f"added arn:aws:iam::{BACKUP_ACCOUNT}:role/ci-runner",
        ],
    ),
    (
        "prod",
        open_public_policy,
        ["public-access-opened"],
        ["prod-backups-public-access", "inputs.blockPublicPolicy true → false"],
    ),
    ("prod", unprotect_replicas, ["protect-removed"], ["prod-replicas-bucket: protect true → false"]),
    (
        "prod",
        drop_transfer_job,
        ["copy-removed"],
        ["prod-to-gcp-job: gcp:storage/transferJob:TransferJob present → removed"],
    ),
    (
        "prod",
        drop_air_gapped_vault,
        ["data-store-removed"],
        ["prod-air-gapped-vault-vault: aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault present → removed"],
    ),
    ("prod", lower_vault_minimum, ["retention-shortened"], ["prod-backup-vault-lock: inputs.minRetentionDays 35 → 7"]),
    (
        "prod",
        vault_lock_without_grace_period,
        ["compliance-to-governance"],
        ["prod-backup-vault-lock: inputs.changeableForDays 3 → (absent)"],
    ),
    (
        "prod",
        drop_vault_lock,
        ["lock-removed"],
        ["prod-local-vault-lock: aws:backup/vaultLockConfiguration:VaultLockConfiguration present → removed"],
    ),
    (
        "prod",
        unlock_gcs_retention,
        ["lock-removed"],
        ["prod-offsite-bucket: inputs.retentionPolicy.isLocked true → false"],
    ),
    (
        "prod",
        gcs_public_access_inherited,
        ["public-access-opened"],
        ["prod-offsite-bucket: inputs.publicAccessPrevention enforced → inherited"],
    ),
    ("prod", stop_key_rotation, ["key-rotation-disabled"], ["prod-backups-key: inputs.enableKeyRotation true → false"]),
    (
        "prod",
        stop_retaining_offsite,
        ["retain-on-delete-removed"],
        ["prod-offsite-bucket: retain_on_delete true → false"],
    ),
    (
        "prod",
        drop_second_region_copy,
        ["copy-removed"],
        ["prod-backup-plan-plan: inputs.rules[daily-with-copies].copyActions 3 → 2 items", "prod-eu-central-1-vault"],
    ),
    (
        "prod",
        expire_current_versions,
        ["retention-shortened"],
        ["prod-backups-lifecycle: inputs.rules[tidy-up].expiration.days (absent) → 7 (objects expire sooner)"],
    ),
    (
        "org",
        drop_mfa_scp_statement,
        ["deny-removed"],
        [
            "org-root-guardrails-policy: inputs.content.Statement[DenySensitiveActionsWithoutMfa] Deny → (absent)",
            "it enforced MFA",
        ],
    ),
    (
        "org",
        allow_recovery_point_deletion,
        ["deny-narrowed"],
        [
            "Statement[DenyBackupDestruction].Action 8 entries → 7 entries",
            "no longer denied: backup:DeleteRecoveryPoint",
        ],
    ),
    (
        "org",
        exempt_buckets_from_destruction_deny,
        ["exemption-added"],
        ["Statement[DenyBucketDestruction].NotResource", "added arn:aws:s3:::prod-*"],
    ),
    (
        "prod",
        vault_open_to_everyone,
        ["principal-widened"],
        [
            "prod-backup-vault-policy: inputs.policy.Statement[AllowCopiesFromWorkloadAccounts].Principal",
            "everyone (*)",
        ],
    ),
    (
        "org",
        mfa_deny_skips_long_term_keys,
        ["mfa-condition-weakened"],
        [
            "org-workload-prod-mfa-policy",
            "Statement[DenyEverythingWithoutMfa].Condition.Bool.aws:MultiFactorAuthPresent (absent) → false",
        ],
    ),
    (
        "org",
        stale_mfa_for_break_glass,
        ["mfa-condition-weakened"],
        ["Condition.NumericLessThan.aws:MultiFactorAuthAge 900 → 86400"],
    ),
    (
        "org",
        gcp_deny_exception,
        ["exemption-added"],
        [
            "org-gcp-guardrails-deny-backup-destruction: inputs.rules[Only break-glass principals delete backups].denyRule.exceptionPrincipals",
            "added principal://goog/subject/contractor@acme.example",
        ],
    ),
    (
        "org",
        gcp_deny_permission_dropped,
        ["deny-removed"],
        ["denyRule.deniedPermissions", "no longer denied: storage.googleapis.com/objects.delete"],
    ),
    (
        "org",
        gcp_public_access_not_enforced,
        ["guardrail-disabled"],
        ["org-gcp-guardrails-storage.publicAccessPrevention: inputs.spec.rules[0].enforce TRUE → FALSE"],
    ),
    ("org", detach_root_scp, ["guardrail-removed"], ["org-root-guardrails-attachment", "present → removed"]),
    (
        "prod",
        lose_the_offsite_copy,
        ["copy-lost", "copy-lost"],
        [
            "outputs.copies: 6 → 5 copies, lost offsite (gcp, backup project, us-east4)",
            'outputs.copies vendors ["aws", "gcp"] → ["aws"]',
        ],
    ),
    (
        "prod",
        drop_replica_bucket,
        ["data-store-removed", "data-store-removed"],
        [
            "prod-replicas-bucket: aws:s3/bucket:Bucket present → removed",
            "with it prod-replicas-lifecycle, prod-replicas-object-lock",
            "prod-replicas-key: aws:kms/key:Key present → removed",
        ],
    ),
]


@pytest.mark.parametrize(
    ("stack", "edit", "kinds", "fragments"), WEAKENINGS, ids=[case[1].__name__ for case in WEAKENINGS]
)
def test_each_weakening_exits_1_and_is_named_first(plans, tmp_path, capsys, stack, edit, kinds, fragments):
    head = copy.deepcopy(plans[stack])
    edit(head)
    code, out, err = diff_cli(tmp_path, capsys, plans[stack], head)
    assert (code, err) == (1, "")
    headline, rule, *rest = out.splitlines()
    assert headline == f"SECURITY WEAKENED: {len(kinds)} weakening{'s' if len(kinds) > 1 else ''} in stack {stack}"
    assert set(rule) == {"="}
    listed = rest[: len(kinds)]
    assert sorted(line.split("]")[0].strip() for line in listed) == sorted(f"!! [{kind}" for kind in kinds)
    for fragment in fragments:
        assert any(fragment in line for line in listed), f"{fragment!r} not in {listed}"
    assert sorted(w.kind for w in security_diff(plans[stack], head).weakenings) == sorted(kinds)


def test_the_diff_names_each_changed_input_after_the_weakenings(plans, tmp_path, capsys):
    head = copy.deepcopy(plans["prod"])
    shorten_object_lock(head)
    head["resources"].append(
        dict(
            copy.deepcopy(named(head, "prod-backups-key-alias")),
            urn=named(head, "prod-backups-key-alias")["urn"] + "-2",
            name="extra",
        )
    )
    diff = security_diff(plans["prod"], head)
    [urn] = diff.changed
    assert diff.changed[urn].changes == (Change("inputs.rule.defaultRetention.days", 35, 30),)
    assert list(diff.added) == [named(head, "extra")["urn"]] and diff.removed == {}
    code, out, _ = diff_cli(tmp_path, capsys, plans["prod"], head)
    assert code == 1
    assert out.index("SECURITY WEAKENED") < out.index("Added:") < out.index("Changed:")
    assert "  + extra (aws:kms/alias:Alias)" in out
    assert (
        "  ~ prod-backups-object-lock (aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration)\n"
        "      inputs.rule.defaultRetention.days: 35 → 30\n" in out
    )


def test_markdown_and_json_put_the_weakenings_first(plans, tmp_path, capsys):
    head = copy.deepcopy(plans["org"])
    exempt_another_role(head)
    code, out, _ = diff_cli(tmp_path, capsys, plans["org"], head, "--format", "markdown")
    assert code == 1
    assert out.startswith(
        "## SECURITY WEAKENED: 1 weakening in stack org\n\n| Kind | Weakening |\n|---|---|\n| **`exemption-added`** | org-backup-guardrails-policy:"
    )
    assert out.index("| **`exemption-added`**") < out.index("### Changed")
    code, out, _ = diff_cli(tmp_path, capsys, plans["org"], head, "--format", "json")
    document = json.loads(out)
    assert (
        code == 1
        and document["weakened"] is True
        and (document["project"], document["stack"]) == ("hardened-accounts", "org")
    )
    [weakening] = document["weakenings"]
    assert (
        weakening["kind"] == "exemption-added"
        and weakening["urn"] == named(head, "org-backup-guardrails-policy")["urn"]
    )
    [changed] = document["changed"]
    [change] = changed["changes"]
    assert (
        change["path"] == "inputs.content.Statement[DenyBackupSettingChanges].Condition.ArnNotEquals.aws:PrincipalArn"
    )
    assert change["new"][-1] == f"arn:aws:iam::{BACKUP_ACCOUNT}:role/ci-runner" and len(change["old"]) == 2


@pytest.mark.parametrize("stack", ["prod", "org"])
@pytest.mark.parametrize("format_", ["text", "markdown", "json"])
def test_identical_plans_print_no_change(plans, tmp_path, capsys, stack, format_):
    code, out, err = diff_cli(tmp_path, capsys, plans[stack], copy.deepcopy(plans[stack]), "--format", format_)
    assert (code, err) == (0, "")
    if format_ == "json":
        document = json.loads(out)
        assert (
            document["weakened"] is False and document["weakenings"] == document["changed"] == document["added"] == []
        )
    else:
        assert (
            out == f"{'## ' if format_ == 'markdown' else ''}no change in stack {stack}: the two plans are the same\n"
        )


# --- strengthening and neutral changes: reported as changes, never as weakenings ------------------------------------


def lengthen_object_lock(p):
    named(p, "prod-backups-object-lock")["inputs"]["rule"]["defaultRetention"]["days"] = 60


def governance_never_weaker_than_itself(p):
    named(p, "prod-backup-vault-lock")["inputs"].update(minRetentionDays=60, maxRetentionDays=3650)


def lengthen_gcs_retention(p):
    named(p, "prod-offsite-bucket")["inputs"]["retentionPolicy"]["retentionPeriod"] = "40000000"


def deny_one_more_action(p):
    statement(p, "org-backup-guardrails-policy", "DenyBackupDestruction")["Action"].append("backup:StopBackupJob")


def add_a_deny_statement(p):
    named(p, "org-root-guardrails-policy")["inputs"]["content"]["Statement"].append(
        {"Sid": "DenyPublicBuckets", "Effect": "Deny", "Action": "s3:PutBucketAcl", "Resource": "*"}
    )


def remove_an_exemption(p):
    statement(p, "org-backup-guardrails-policy", "DenyBackupSettingChanges")["Condition"]["ArnNotEquals"][
        "aws:PrincipalArn"
    ].pop()


def fresher_mfa_for_break_glass(p):
    statement(p, "org-break-glass-users-policy", "AllowAssumingBreakGlass")["Condition"]["NumericLessThan"][
        "aws:MultiFactorAuthAge"
    ] = "300"


def mfa_for_a_service_role(p):
    statement(p, "prod-to-gcp-role", "TrustedByGoogleStorageTransfer")["Condition"]["Bool"] = {
        "aws:MultiFactorAuthPresent": "true"
    }


def drop_an_allow(p):
    policy = named(p, "prod-backup-vault-policy")["inputs"]["policy"]
    policy["Statement"] = [s for s in policy["Statement"] if s["Effect"] == "Deny"]


def narrow_an_allow_principal(p):
    statement(p, "prod-backup-vault-policy", "AllowCopiesFromWorkloadAccounts")["Principal"] = {
        "AWS": ["arn:aws:iam::770864034297:role/prod-backup-plan-backup"]
    }


def rename_a_sid(p):
    statement(p, "org-backup-guardrails-policy", "DenyBackupDestruction")["Sid"] = "DenyDestroyingBackups"


def add_a_copy_action(p):
    named(p, "prod-backup-plan-plan")["inputs"]["rules"][0]["copyActions"].append(
        {
            "destinationVaultArn": "arn:aws:backup:us-east-1:555910829563:backup-vault:third",
            "lifecycle": {"deleteAfter": 30},
        }
    )


def protect_the_transfer_job(p):
    named(p, "prod-to-gcp-job")["protect"] = True


def drop_a_gcp_deny_exception(p):
    named(p, "org-gcp-guardrails-deny-backup-destruction")["inputs"]["rules"][1]["denyRule"][
        "exceptionPrincipals"
    ].pop()


def shorter_vault_grace_period(p):
    named(p, "prod-backup-vault-lock")["inputs"]["changeableForDays"] = 3
    named(p, "prod-local-vault-lock")["inputs"]["changeableForDays"] = 2


STRENGTHENINGS = [
    ("prod", lengthen_object_lock),
    ("prod", governance_never_weaker_than_itself),
    ("prod", lengthen_gcs_retention),
    ("org", deny_one_more_action),
    ("org", add_a_deny_statement),
    ("org", remove_an_exemption),
    ("org", fresher_mfa_for_break_glass),
    ("prod", mfa_for_a_service_role),
    ("prod", drop_an_allow),
    ("prod", narrow_an_allow_principal),
    ("org", rename_a_sid),
    ("prod", add_a_copy_action),
    ("prod", protect_the_transfer_job),
    ("org", drop_a_gcp_deny_exception),
    ("prod", shorter_vault_grace_period),
]


@pytest.mark.parametrize(("stack", "edit"), STRENGTHENINGS, ids=[edit.__name__ for _, edit in STRENGTHENINGS])
def test_strengthening_is_a_change_not_a_weakening(plans, tmp_path, capsys, stack, edit):
    head = copy.deepcopy(plans[stack])
    edit(head)
    code, out, err = diff_cli(tmp_path, capsys, plans[stack], head)
    assert (code, err) == (0, "")
    assert out.startswith(f"No security weakening in stack {stack}.\n") and "SECURITY WEAKENED" not in out
    assert "Changed:" in out
    assert security_diff(plans[stack], head).weakenings == []


# --- the real program on an edited stack file ---------------------------------------------------------------------


def write_plan(project: Path, out: Path) -> None:
    """What `hardened plan --stack prod --format json --project-dir PROJECT > OUT` does (plan, refuse a plan that is not
    deployable, write the canonical JSON), in-process: the edited stack's program runs for real, its `org` reference
    in a subprocess. test_plan.py checks that the command prints what build_plan makes, byte for byte."""
    plan = build_plan(run_stack(find_project(project), "prod"))
    check_deployable(plan)
    out.write_text(dumps(plan))


@pytest.mark.slow
def test_a_shorter_retention_in_the_stack_file_fails_the_diff_and_a_longer_one_passes(tmp_path, capsys):
    project = tmp_path / "project"
    shutil.copytree(
        ROOT,
        project,
        ignore=shutil.ignore_patterns(".venv", ".git", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache"),
    )
    stack_file = project / "stacks/Pulumi.prod.yaml"
    original = stack_file.read_text()
    bucket_retention = (
        "  hardened-accounts:buckets:\n    backups:\n      retentionMode: COMPLIANCE\n      retentionDays: 35\n"
    )
    assert original.count(bucket_retention) == 1
    write_plan(project, tmp_path / "base.json")
    for days, name in (("30", "shorter.json"), ("60", "longer.json")):
        stack_file.write_text(
            original.replace(bucket_retention, bucket_retention.replace("retentionDays: 35", f"retentionDays: {days}"))
        )
        write_plan(project, tmp_path / name)

    code, out, err = run_diff(capsys, str(tmp_path / "base.json"), str(tmp_path / "shorter.json"))
    assert (code, err) == (1, "")
    lines = out.splitlines()
    assert lines[:2] == [
        "SECURITY WEAKENED: 4 weakenings in stack prod",
        "=" * len("SECURITY WEAKENED: 4 weakenings in stack prod"),
    ]
    # The bucket's own settings, and the copies export: the primary and its replica are both locked for less time.
    assert sorted(line for line in lines if line.startswith("  !! ")) == sorted(
        [
            "  !! [retention-shortened] prod-backups-lifecycle: inputs.rules[expire-noncurrent-versions-after-retention]"
            ".noncurrentVersionExpiration.noncurrentDays 35 → 30 (old versions expire sooner)",
            "  !! [retention-shortened] prod-backups-object-lock: inputs.rule.defaultRetention.days 35 → 30 (locked versions can be deleted sooner)",
            "  !! [retention-shortened] outputs.copies[primary].retentionDays 35 → 30 (the copy is kept locked for less time)",
            "  !! [retention-shortened] outputs.copies[replica].retentionDays 35 → 30 (the copy is kept locked for less time)",
        ]
    )

    code, out, err = run_diff(capsys, str(tmp_path / "base.json"), str(tmp_path / "longer.json"))
    assert (code, err) == (0, "")
    assert out.startswith("No security weakening in stack prod.\n")
    assert "inputs.rule.defaultRetention.days: 35 → 60" in out


# --- bad input: exit 2, one paragraph on stderr, nothing on stdout ------------------------------------------------


def _resource_without_urn(plan: dict) -> str:
    broken = copy.deepcopy(plan)
    del broken["resources"][3]["urn"]
    return dumps(broken)


BAD_INPUTS = [
    (
        "missing",
        lambda plan, tmp: str(tmp / "nowhere.json"),
        "nowhere.json: no such file; make one with `hardened plan",
    ),
    ("directory", lambda plan, tmp: str(tmp), "is a directory, not a plan file"),
    (
        "text-format",
        lambda plan, tmp: "Plan of stack prod\n",
        "not JSON (Expecting value at line 1, column 1); diff reads the JSON format of the plan",
    ),
    ("truncated", lambda plan, tmp: dumps(plan)[:500], "not JSON ("),
    ("not-a-plan", lambda plan, tmp: '{"resources": []}', "JSON, but not a plan document (it has no schema_version)"),
    ("a-list", lambda plan, tmp: "[1, 2]", "JSON, but not a plan document"),
    (
        "version-2",
        lambda plan, tmp: dumps(dict(plan, schema_version=2)),
        "a plan of schema version 2, and this hardened reads version 1 only",
    ),
    (
        "invalid",
        lambda plan, tmp: _resource_without_urn(plan),
        "not a valid plan document of schema version 1: at resources/3: 'urn' is a required property",
    ),
    (
        "protect-text",
        lambda plan, tmp: dumps(dict(plan, resources=[dict(plan["resources"][0], protect="yes")])),
        "not a valid plan document of schema version 1: at resources/0/protect: 'yes' is not of type 'boolean'",
    ),
]


@pytest.mark.parametrize(("which", "side"), [("base", 0), ("head", 1)])
@pytest.mark.parametrize(("case", "make", "expected"), BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_exits_2_with_one_clear_paragraph(plans, tmp_path, capsys, which, side, case, make, expected):
    good = tmp_path / "good.json"
    good.write_text(dumps(plans["prod"]))
    bad = make(plans["prod"], tmp_path)
    if not bad.startswith(str(tmp_path)):
        (tmp_path / "bad.json").write_text(bad)
        bad = str(tmp_path / "bad.json")
    argv = [bad, str(good)] if side == 0 else [str(good), bad]
    code, out, err = run_diff(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.startswith(f"error: {bad}: ") and err.endswith("\n") and "\n" not in err[:-1]
    assert expected in err


def test_plans_of_two_stacks_are_not_compared(plans, tmp_path, capsys):
    code, out, err = diff_cli(tmp_path, capsys, plans["org"], plans["prod"])
    assert (code, out) == (2, "")
    assert err == (
        f"error: {tmp_path / 'base.json'} is a plan of hardened-accounts/org and {tmp_path / 'head.json'} of "
        "hardened-accounts/prod; diff compares two plans of the same stack\n"
    )


def test_render_refuses_an_unknown_format():
    with pytest.raises(ValueError, match="unknown format 'html'; choose one of text, markdown, json"):
        render_diff(Diff(project="p", stack="s"), "html")
