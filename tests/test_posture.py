"""`hardened posture`: the scorecard of each stack, and the controls failing when what they read is weakened."""

import copy
import json
from pathlib import Path

import pytest
from planning import shipped_plan

from hardened_tools.cli import main
from hardened_tools.posture import controls

ROOT = Path(__file__).resolve().parents[1]
ALL_CONTROLS = [
    "alarms",
    "break-glass",
    "copies",
    "encryption",
    "guardrails",
    "immutability",
    "mfa",
    "policy-pack",
    "public-access",
    "restore-drill",
    "single-credential",
    "trail",
]


@pytest.fixture(scope="module")
def plans() -> dict[str, dict]:
    """The plans the controls read. `hardened posture` reads each from `hardened plan --format json` in a subprocess
    (the tests that call `main` go that way); test_plan.py checks that JSON is the plan made in-process, for prod."""
    return {stack: shipped_plan(stack) for stack in ("org", "prod", "dev")}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.slow
def test_prod_passes_every_control_with_its_evidence_and_benchmarks(capsys):
    code, out, _ = run(capsys, "posture", "--stack", "prod", "--format", "json", "--project-dir", str(ROOT))
    card = json.loads(out)
    assert code == 0
    assert (card["stack"], card["kind"], card["tier"]) == ("prod", "environment", "production")
    assert {c["id"]: c["status"] for c in card["controls"]} == {control: "pass" for control in ALL_CONTROLS}
    by_id = {c["id"]: c for c in card["controls"]}
    assert (
        "offsite: gcp backup project us-east4 (locked retention policy, COMPLIANCE 400 days)"
        in by_id["copies"]["evidence"]
    )
    assert (
        "air-gapped vault prod-air-gapped-vault: COMPLIANCE from creation, 35-2555 days"
        in by_id["immutability"]["evidence"]
    )
    # A replica is locked for its source's 35 days, not the replica bucket's default of 2,555.
    assert (
        "replica: aws backup account eu-west-1 (S3 Object Lock (the source's), COMPLIANCE 35 days)"
        in by_id["copies"]["evidence"]
    )
    closed = "it can close the account, and AWS deletes what a closed account holds after 90 days"
    assert by_id["single-credential"]["evidence"] == [
        "a workload account (admin, root, deployer or break-glass): survive: primary (compliance lock, key sealed against it), "
        "replica (out of its reach), vault copy (out of its reach), second-region copy (compliance lock, key sealed against it), "
        "air-gapped copy (out of its reach), offsite (out of its reach)",
        "the backup account (admin, root, deployer or break-glass): survive: primary (out of its reach), replica (compliance lock, "
        "key sealed against it), vault copy (compliance lock, key sealed against it), second-region copy (out of its reach), "
        "air-gapped copy (compliance lock, no customer key to shred), offsite (out of its reach)",
        "the management account's admin: survive: offsite (out of its reach); lost: "
        + ", ".join(
            f"{c} ({closed})" for c in ("primary", "replica", "vault copy", "second-region copy", "air-gapped copy")
        ),
        "a break-glass user (password and MFA): survive: primary (compliance lock, key sealed against it), replica (compliance "
        "lock, key sealed against it), vault copy (compliance lock, key sealed against it), second-region copy (compliance lock, "
        "key sealed against it), air-gapped copy (compliance lock, no customer key to shred), offsite (out of its reach)",
        "any single GCP principal (break-glass included): survive: primary (out of its reach), replica (out of its reach), vault copy "
        "(out of its reach), second-region copy (out of its reach), air-gapped copy (out of its reach); lost: offsite (its "
        "customer-managed key can be re-policied and deleted)",
    ]
    assert "FSBP CloudTrail.1" in by_id["trail"]["benchmarks"] and "CIS AWS 3.6" in by_id["encryption"]["benchmarks"]
    assert "CIS GCP 5.1" in by_id["public-access"]["benchmarks"] and "FSBP IAM.15" in by_id["mfa"]["benchmarks"]


@pytest.mark.slow
def test_dev_keeps_one_vendor_and_governance_locks_which_warn_not_fail(capsys):
    code, out, _ = run(capsys, "posture", "--stack", "dev", "--project-dir", str(ROOT))
    assert code == 0
    assert out.startswith("Security posture of stack 'dev' (environment, non-production): 0 fail, 3 warn")
    assert "WARN  3-2-1: three copies, two vendors, one elsewhere (copies)" in out
    assert "WARN  Every copy is immutable (immutability)" in out
    # GOVERNANCE locks and no GCP copy: the management account's admin could take every copy of dev.
    assert "WARN  No single credential takes every copy (single-credential)" in out
    assert "      - the management account's admin: survive: NONE; lost: primary (it can close the account," in out


@pytest.mark.slow
def test_the_organization_is_scored_without_copies(capsys):
    code, out, _ = run(capsys, "posture", "--stack", "org", "--format", "markdown", "--project-dir", str(ROOT))
    assert code == 0
    assert out.startswith("### Security posture of stack 'org' (organization, production): 0 fail, 0 warn, 9 pass")
    assert "`copies`" not in out and "| **PASS** | MFA on every human path (`mfa`) |" in out


def weakened(plan: dict, type_: str, change) -> dict:
    plan = copy.deepcopy(plan)
    for resource in plan["resources"]:
        if resource["type"] == type_:
            change(resource["inputs"])
    return plan


def estate(plans, environment=None, organization=None) -> controls.Estate:
    return controls.Estate("prod", "production", environment or plans["prod"], organization or plans["org"])


def test_one_backup_account_for_every_pipeline_warns(plans):
    """Without a non-production backup account, dev's pipeline deploys where prod's copies are."""
    org = copy.deepcopy(plans["org"])
    del org["outputs"]["accounts"]["nonProductionBackup"]
    result = controls.single_credential(estate(plans, organization=org))
    assert result.status == "warn"
    assert result.evidence[-1] == (
        "shared: the organization has no non-production backup account, so every non-production stack "
        "deploys where this stack's copies are (accounts.nonProductionBackup)"
    )
    assert controls.single_credential(estate(plans)).status == "pass"
    # dev kept in the production backup account (backupAccount: backup) warns too.
    dev = copy.deepcopy(plans["dev"])
    dev["outputs"]["backupAccount"] = plans["org"]["outputs"]["accounts"]["backup"]["accountId"]
    kept = controls.single_credential(controls.Estate("dev", "non-production", dev, plans["org"]))
    assert kept.evidence[-1] == (
        "shared: this non-production stack deploys into the backup account that holds production's copies "
        "(accounts.nonProductionBackup; backupAccount)"
    )
    assert (
        controls.single_credential(controls.Estate("dev", "non-production", plans["dev"], plans["org"]))
        .evidence[-1]
        .startswith("any single")
    )


def test_a_threat_nobody_forwards_fails_the_alarms_control(plans):
    org = copy.deepcopy(plans["org"])
    org["resources"] = [
        r
        for r in org["resources"]
        if not (
            r["type"] == "aws:cloudwatch/eventRule:EventRule"
            and r["inputs"].get("name") == "org-alarms-key-tampering"
            and r["lands_in"]["region"] == "eu-central-1"
            and r["lands_in"]["account"] == org["outputs"]["accounts"]["backup"]["accountId"]
        )
    ]
    result = controls.alarms(estate(plans, organization=org))
    backup = org["outputs"]["accounts"]["backup"]["accountId"]
    assert result.status == "fail" and result.evidence[-1] == f"not forwarded: key-tampering from {backup} eu-central-1"
    assert controls.alarms(estate(plans)).status == "pass"
    without_heartbeat = copy.deepcopy(plans["org"])
    without_heartbeat["resources"] = [
        r for r in without_heartbeat["resources"] if r["inputs"].get("name") != "org-alarms-heartbeat"
    ]
    assert controls.alarms(estate(plans, organization=without_heartbeat)).status == "fail"


def test_a_restore_alarm_nobody_hears_fails_the_restore_drill(plans):
    prod = copy.deepcopy(plans["prod"])
    for resource in prod["resources"]:
        if (
            resource["type"] == "aws:cloudwatch/metricAlarm:MetricAlarm"
            and resource["inputs"].get("metricName") == "RestoreTime"
        ):
            resource["inputs"]["name"] = "restore-time"
    result = controls.restore_drill(estate(plans, environment=prod))
    assert (
        result.status == "fail"
        and result.evidence[-1] == "silent: restore-time publishes to nobody and is not forwarded to the alarm hub"
    )
    assert controls.restore_drill(estate(plans)).evidence[:2] == [
        "restore testing plan prod_restore_tests: cron(0 5 ? * SUN *)",
        "recovery-time objective: 240 minutes (org-alarms-prod-restore-validation-restore-time)",
    ]
    unvalidated = copy.deepcopy(plans["prod"])
    unvalidated["resources"] = [r for r in unvalidated["resources"] if r["type"] != "hardened:index:RestoreValidation"]
    assert controls.restore_drill(estate(plans, environment=unvalidated)).status == "fail"


def test_a_break_glass_trust_without_mfa_fails(plans):
    def drop_mfa(inputs):
        if "break-glass" in inputs.get("name", ""):
            inputs["assumeRolePolicy"]["Statement"][0]["Condition"] = {}

    result = controls.break_glass(estate(plans, organization=weakened(plans["org"], "aws:iam/role:Role", drop_mfa)))
    assert (
        result.status == "fail"
        and result.evidence[0] == "0 of 7 break-glass roles require recent MFA and one-hour sessions"
    )


def test_a_stack_whose_every_copy_one_credential_reaches_fails(plans):
    environment = copy.deepcopy(plans["prod"])
    environment["outputs"]["copies"] = [c for c in environment["outputs"]["copies"] if c["vendor"] == "aws"]
    result = controls.single_credential(estate(plans, environment))
    assert result.status == "fail"
    assert result.evidence[2].startswith("the management account's admin: survive: NONE; lost: primary")


def test_a_break_glass_role_in_the_management_account_fails(plans):
    org = copy.deepcopy(plans["org"])
    role = next(
        r
        for r in org["resources"]
        if r["type"] == "aws:iam/role:Role" and r["inputs"].get("name") == "hardened-break-glass"
    )
    role["lands_in"] = {**role["lands_in"], "account": "999988887777"}
    result = controls.break_glass(estate(plans, organization=org))
    assert result.status == "fail"
    assert (
        result.evidence[-1] == "unbound: a break-glass role in the management account 999988887777, which no SCP binds"
    )
    assert controls.break_glass(estate(plans)).status == "pass"


def test_break_glass_users_in_the_management_account_fail(plans):
    """There no SCP stops the deployer re-passwording a user and enrolling its own MFA device: break-glass taken over."""
    org = copy.deepcopy(plans["org"])
    for user in (r for r in org["resources"] if r["type"] == "aws:iam/user:User"):
        user["lands_in"] = {**user["lands_in"], "account": "999988887777"}
    result = controls.break_glass(estate(plans, organization=org))
    assert result.status == "fail"
    assert result.evidence[-1] == (
        "unbound: break-glass users in the management account 999988887777, where no SCP stops its deployer re-passwording them "
        "or enrolling its own MFA device (breakGlass.usersAccount: security)"
    )


def test_a_key_that_stops_rotating_fails(plans):
    result = controls.encryption(
        estate(plans, weakened(plans["prod"], "aws:kms/key:Key", lambda i: i.update(enableKeyRotation=False)))
    )
    assert result.status == "fail" and any(line.startswith("not rotating: ") for line in result.evidence)


def test_a_governance_lock_in_production_fails(plans):
    def governance(inputs):
        inputs["rule"]["defaultRetention"]["mode"] = "GOVERNANCE"

    lock = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration"
    assert controls.immutability(estate(plans, weakened(plans["prod"], lock, governance))).status == "fail"


def test_an_open_bucket_fails(plans):
    block = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
    result = controls.public_access(
        estate(plans, weakened(plans["prod"], block, lambda i: i.update(blockPublicPolicy=False)))
    )
    assert result.status == "fail" and any(line.startswith("open: ") for line in result.evidence)


def test_an_account_without_the_mfa_policy_fails(plans):
    organization = copy.deepcopy(plans["org"])
    mfa_policies = [
        r
        for r in organization["resources"]
        if r["type"] == "aws:iam/policy:Policy" and r["name"].endswith("-mfa-policy")
    ]
    organization["resources"].remove(mfa_policies[0])
    result = controls.mfa(estate(plans, organization=organization))
    assert result.status == "fail" and "MISSING: MFA-required group in every account" in result.evidence


def test_a_missing_destruction_guardrail_fails(plans):
    def drop_key_destruction(inputs):
        inputs["content"]["Statement"] = [
            s for s in inputs["content"]["Statement"] if s.get("Sid") != "DenyKeyDestruction"
        ]

    organization = weakened(plans["org"], "aws:organizations/policy:Policy", drop_key_destruction)
    result = controls.guardrails(estate(plans, organization=organization))
    assert result.status == "fail" and "MISSING: an SCP denies disabling or deleting keys" in result.evidence


def test_losing_the_offsite_copy_fails_in_production(plans):
    environment = copy.deepcopy(plans["prod"])
    environment["outputs"]["copies"] = [c for c in environment["outputs"]["copies"] if c["vendor"] == "aws"][:2]
    assert controls.copies(estate(plans, environment)).status == "fail"


def test_an_unknown_stack_is_bad_input(capsys):
    code, out, err = run(capsys, "posture", "--stack", "nope", "--project-dir", str(ROOT))
    assert (code, out) == (2, "") and err.startswith("error: ")
