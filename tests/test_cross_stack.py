"""Cross-stack rules (stacks/cross_stack.py): each one refuses its bad case before anything is declared, names the
file, the key and the rule, and the shipped stacks pass them all."""

import shutil
import sys
from pathlib import Path

import pytest

from hardened.errors import StackConfigError
from hardened_tools.cli import main
from hardened_tools.plan import find_project, run_stack

ROOT = Path(__file__).parent.parent
DEV = (ROOT / "stacks/Pulumi.dev.yaml").read_text()
PROD = (ROOT / "stacks/Pulumi.prod.yaml").read_text()
ORG = (ROOT / "stacks/Pulumi.org.yaml").read_text()
DEV_FLOOR = "    minRetentionDays: 7   # the organization's SCP refuses any vault lock below its minimumVaultRetentionDays (7)\n"

CASES = {
    "vault-lock-above-scp-floor": (
        DEV.replace(DEV_FLOOR, "    minRetentionDays: 3\n"),
        None,
        "key 'hardened-accounts:vault.minRetentionDays' is 3 days, below the organization's minimumVaultRetentionDays of 7, which its SCP "
        "DenyWeakerVaultLocks enforces on every vault lock: give at least 7 [vault-lock-above-scp-floor, against stacks/Pulumi.org.yaml].",
    ),
    "regions-watched": (
        DEV.replace("  hardened-accounts:region: eu-west-1\n", "  hardened-accounts:region: us-west-2\n"),
        None,
        "key 'hardened-accounts:region' is us-west-2, not among the organization's regions (eu-west-1, eu-central-1): its root SCP denies it "
        "and no alarm watches it; add it to regions there [regions-watched, against stacks/Pulumi.org.yaml].",
    ),
    "workloads-exist": (
        DEV.replace("config:\n", "config:\n  hardened-accounts:environment: qa\n"),
        None,
        "key 'hardened-accounts:environment' names 'qa', which the organization stack has no workload account for "
        "(it has: dev, prod, staging) [workloads-exist, against stacks/Pulumi.org.yaml].",
    ),
    "backup-account-exists": (
        DEV.replace("config:\n", "config:\n  hardened-accounts:backupAccount: nonProductionBackup\n"),
        ORG.replace(
            "    nonProductionBackup: {name: acme-backup-non-production, email: aws-backup-non-production@acme.example}   # dev's and staging's copies\n",
            "",
        ),
        "key 'hardened-accounts:backupAccount' is nonProductionBackup, but the organization stack has no accounts.nonProductionBackup "
        "[backup-account-exists, against stacks/Pulumi.org.yaml].",
    ),
    "gcp-copy-allowed": (
        PROD.replace("    retentionDays: 400\n    locked: true", "    retentionDays: 365\n    locked: true"),
        None,
        "key 'hardened-accounts:gcp.retentionDays' is 365, but the backup folder's storage.retentionPolicySeconds allows only 400 days "
        "(the organization's gcp.bucketRetentionDays) [gcp-copy-allowed, against stacks/Pulumi.org.yaml].",
    ),
    "gcp-copy-allowed (location)": (
        PROD.replace("    location: us-east4\n", "    location: northamerica-northeast1\n"),
        None,
        "key 'hardened-accounts:gcp.location' is northamerica-northeast1, but the backup folder's gcp.resourceLocations allows only "
        "in:us-locations (the organization's gcp.allowedLocations) [gcp-copy-allowed, against stacks/Pulumi.org.yaml].",
    ),
    "organization-stack-is-an-organization": (
        DEV.replace("  hardened-accounts:organizationStack: org\n", "  hardened-accounts:organizationStack: staging\n"),
        None,
        "key 'hardened-accounts:organizationStack' names 'staging', whose kind is 'environment': it must name the organization stack",
    ),
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@pytest.mark.parametrize("rule", CASES)
def test_each_rule_refuses_its_bad_case_before_anything_is_declared(capsys, project, rule):
    environment, organization, expected = CASES[rule]
    (project / "stacks/Pulumi.bad.yaml").write_text(environment)
    if organization is not None:
        (project / "stacks/Pulumi.org.yaml").write_text(organization)
    assert environment != DEV and environment != PROD, "the bad case must change the stack file"
    code = main(["plan", "--stack", "bad", "--project-dir", str(project)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.startswith("error: stacks/Pulumi.bad.yaml: ") and expected in err
    assert "Traceback" not in err and err.count("\n") == 1
    registered = {}
    with pytest.raises(StackConfigError):
        run_stack(find_project(project), "bad", registrations=registered)
    assert [r.type for r in registered.values()] == ["pulumi:pulumi:Stack"]


def test_the_shipped_environment_stacks_pass_every_rule(capsys):
    for stack in ("dev", "staging", "prod"):
        assert main(["plan", "--stack", stack, "--project-dir", str(ROOT), "--format", "json"]) == 0, stack
    capsys.readouterr()


@pytest.mark.parametrize(
    ("location", "allowed", "verdict"),
    [
        ("us-east4", ["in:us-locations"], True),
        ("us", ["in:us-locations"], True),
        ("nam4", ["in:us-locations"], True),
        ("northamerica-northeast1", ["in:us-locations"], False),
        ("europe-west3", ["in:europe-west3-locations"], True),
        ("europe-west4", ["in:europe-west3-locations", "us-east1"], False),
        ("US-EAST1", ["us-east1"], True),
        ("europe-west3", ["in:eu-locations"], None),  # a group the rule does not expand: left to GCP
    ],
)
def test_location_allowed(location, allowed, verdict, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "stacks"))
    before = set(sys.modules)
    try:
        import cross_stack

        assert cross_stack.location_allowed(location, allowed) is verdict
    finally:
        for name in set(sys.modules) - before:  # later plans import the program's modules from their own copy
            del sys.modules[name]
