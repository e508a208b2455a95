"""`hardened plan` from the command line: formats, and every bad-input path (exit 2, one clear paragraph)."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hardened.errors import StackConfigError
from hardened_tools.cli import main
from hardened_tools.plan import find_project, run_stack

ROOT = Path(__file__).resolve().parents[1]
GOOD_DEV = (ROOT / "stacks/Pulumi.dev.yaml").read_text()
GOOD_ORG = (ROOT / "stacks/Pulumi.org.yaml").read_text()
GOOD_PROD = (ROOT / "stacks/Pulumi.prod.yaml").read_text()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this project whose stack files a test may break."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def plan(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(["plan", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_each_format(capsys):
    for fmt, start in (("text", "Stack 'dev'"), ("json", "{"), ("markdown", "### Offline plan of `dev`")):
        code, out, err = plan(capsys, "--stack", "dev", "--format", fmt, "--project-dir", str(ROOT))
        assert (code, err) == (0, "")
        assert out.startswith(start)


@pytest.mark.slow
def test_console_script_and_module_entry_point():
    for command in ([str(Path(sys.executable).parent / "hardened")], [sys.executable, "-m", "hardened_tools"]):
        completed = subprocess.run([*command, "plan", "--stack", "dev"], cwd=ROOT, capture_output=True, text=True)
        assert completed.returncode == 0, completed.stderr
        assert completed.stdout.startswith("Stack 'dev' of project hardened-accounts")


def test_unknown_stack(capsys):
    code, out, err = plan(capsys, "--stack", "no-such-stack", "--project-dir", str(ROOT))
    assert (code, out) == (2, "")
    assert (
        err
        == "error: Unknown stack 'no-such-stack': stacks/Pulumi.no-such-stack.yaml does not exist. Known stacks: dev, org, prod, staging.\n"
    )


def test_invalid_stack_name(capsys):
    code, _, err = plan(capsys, "--stack", "../prod", "--project-dir", str(ROOT))
    assert code == 2 and "use letters, digits, '-', '_' and '.' only" in err


def test_no_project(capsys, tmp_path):
    code, _, err = plan(capsys, "--stack", "prod", "--project-dir", str(tmp_path))
    assert code == 2 and err.startswith(f"error: No Pulumi.yaml in {tmp_path.resolve()} or any parent directory")


def test_missing_stack_config_dir(capsys, project):
    shutil.rmtree(project / "stacks")
    code, _, err = plan(capsys, "--stack", "prod", "--project-dir", str(project))
    assert code == 2 and "key 'main' must name a directory holding __main__.py" in err


BAD_CONFIGS = {
    "wrong-type": (
        GOOD_DEV.replace("retentionDays: 7", "retentionDays: ten"),
        "key 'hardened-accounts:buckets.backups.retentionDays': Input should be a valid integer, unable to parse string "
        'as an integer (got "ten"). Allowed: whole days each object version stays locked, 1 to 36500.',
    ),
    "out-of-range": (
        GOOD_DEV.replace("retentionDays: 7", "retentionDays: 0"),
        "key 'hardened-accounts:buckets.backups.retentionDays': Input should be greater than or equal to 1 (got 0).",
    ),
    "unknown-mode": (
        GOOD_DEV.replace("retentionMode: GOVERNANCE", "retentionMode: LOCKED"),
        "key 'hardened-accounts:buckets.backups.retentionMode': Input should be 'COMPLIANCE' or 'GOVERNANCE' (got \"LOCKED\").",
    ),
    "unknown-kind": (
        GOOD_DEV.replace("kind: environment", "kind: environmnet"),
        "key 'hardened-accounts:kind' must be one of organization, environment (got 'environmnet')",
    ),
    "unknown-key": (
        GOOD_DEV.replace("hardened-accounts:buckets:", "hardened-accounts:bukets:"),
        "key 'hardened-accounts:bukets' is not a known key (allowed here: kind, tier, organizationStack, environment, backupAccount, workloads, region, "
        "buckets, replica, vault, backups, restoreTesting, airGapped, gcp).",
    ),
    "unknown-nested-key": (
        GOOD_DEV.replace("    maxRetentionDays: 14\n", "    maxRetentionDays: 14\n    minRetentionDay: 2\n"),
        "key 'hardened-accounts:vault.minRetentionDay' is not a known key "
        "(allowed here: retentionMode, minRetentionDays, maxRetentionDays, changeableForDays).",
    ),
    "missing-key": (
        GOOD_DEV.replace("  hardened-accounts:tier: non-production\n", ""),
        "key 'hardened-accounts:tier' is required. Allowed: production, or non-production",
    ),
    "unquoted-account-id": (
        GOOD_ORG.replace('accountId: "999988887777"', "accountId: 999988887777"),
        "key 'hardened-accounts:management.accountId': Input should be a valid string (got 999988887777). "
        "Allowed: the 12-digit AWS account id, quoted as a string.",
    ),
    "bad-email": (
        GOOD_ORG.replace("email: aws-dev@acme.example", "email: aws-dev"),
        "key 'hardened-accounts:accounts.workloads.dev.email': String should match pattern",
    ),
    "one-break-glass-user": (
        GOOD_ORG.replace("users: [break-glass-1, break-glass-2]", "users: [break-glass-1]"),
        "key 'hardened-accounts:breakGlass.users': List should have at least 2 items",
    ),
    "production-copies-in-the-non-production-backup-account": (
        GOOD_PROD.replace("config:\n", "config:\n  hardened-accounts:backupAccount: nonProductionBackup\n"),
        "key 'hardened-accounts:backupAccount': a production stack keeps its copies in the backup account, never in "
        "nonProductionBackup, where the non-production pipelines deploy; leave backupAccount out",
    ),
    "organization-without-a-security-account": (
        GOOD_ORG.replace(
            "    security: {name: acme-security, email: aws-security@acme.example}   # where the break-glass users live\n",
            "",
        ),
        "key 'hardened-accounts:accounts.security' is required. Allowed: the security account, where the break-glass users live "
        "under an SCP and every alarm arrives: name and email.",
    ),
    "break-glass-users-in-an-unknown-account": (
        GOOD_ORG.replace("    maxMfaAgeSeconds: 900\n", "    maxMfaAgeSeconds: 900\n    usersAccount: log-archive\n"),
        "key 'hardened-accounts:breakGlass.usersAccount': Input should be 'security' or 'management'",
    ),
    "unknown-region": (
        GOOD_DEV.replace("  hardened-accounts:region: eu-west-1\n", "  hardened-accounts:region: us-wset-2\n"),
        "key 'hardened-accounts:region': 'us-wset-2' is not an AWS region (did you mean us-west-2?).",
    ),
    "cron-of-placeholders": (
        GOOD_DEV.replace("schedule: cron(0 3 * * ? *)", "schedule: cron(x x x x x x)"),
        "key 'hardened-accounts:backups.schedule': 'cron(x x x x x x)' has minutes 'x': 'x' is outside 0-59.",
    ),
    "cron-with-both-days": (
        GOOD_DEV.replace("schedule: cron(0 3 * * ? *)", "schedule: cron(0 3 * * * *)"),
        "'cron(0 3 * * * *)' must give exactly one of day-of-month and day-of-week as ? (AWS cron takes one of the two, never both)",
    ),
    "second-region-is-the-region": (
        GOOD_PROD.replace("secondRegion: eu-central-1", "secondRegion: eu-west-1"),
        "key 'hardened-accounts:backups': secondRegion is eu-west-1, the stack's own region: the second-region copy must be elsewhere",
    ),
    "two-accounts-one-email": (
        GOOD_ORG.replace("email: aws-staging@acme.example", "email: AWS-dev@acme.example"),
        "key 'hardened-accounts:accounts': workloads.staging and workloads.dev have the same email AWS-dev@acme.example: "
        "AWS needs one root email per account",
    ),
    "project-key-in-the-engine-namespace": (
        GOOD_PROD.replace("  hardened-accounts:gcp:\n", "  pulumi:gcp:\n"),
        "key 'pulumi:gcp' is not a key of the Pulumi engine (pulumi:autonaming, pulumi:disable-default-providers, pulumi:tags, "
        "pulumi:template); did you mean 'hardened-accounts:gcp'?",
    ),
    "plain-http-subscriber": (
        GOOD_ORG.replace(
            "{protocol: email, endpoint: security-oncall@acme.example}",
            "{protocol: http, endpoint: http://pager.example}",
        ),
        "key 'hardened-accounts:breakGlass.subscribers[0].protocol': Input should be 'email', 'email-json', 'https', 'sms', 'sqs' or 'lambda'",
    ),
    "stale-mfa-allowed": (
        GOOD_ORG.replace("maxMfaAgeSeconds: 900", "maxMfaAgeSeconds: 86400"),
        "key 'hardened-accounts:breakGlass.maxMfaAgeSeconds': Input should be less than or equal to 3600",
    ),
    "production-without-a-second-vendor": (
        GOOD_PROD.split("  # The third copy")[0],
        "key 'hardened-accounts:gcp': a production stack keeps its third copy at the second vendor",
    ),
    "production-without-an-air-gapped-vault": (
        GOOD_PROD.replace(
            "  hardened-accounts:airGapped:\n    minRetentionDays: 35\n    maxRetentionDays: 2555\n    copyRetentionDays: 365\n",
            "",
        ),
        "key 'hardened-accounts:airGapped': a production stack keeps the backup account's copy in a logically air-gapped vault as well",
    ),
    "air-gapped-copy-outside-its-vault": (
        GOOD_PROD.replace(
            "    copyRetentionDays: 365\n  hardened-accounts:restoreTesting",
            "    copyRetentionDays: 3000\n  hardened-accounts:restoreTesting",
        ),
        "key 'hardened-accounts:airGapped': copyRetentionDays is 3000 days, outside the vault's 35 to 2555 days",
    ),
    "air-gapped-vault-below-aws-floor": (
        GOOD_PROD.replace(
            "    minRetentionDays: 35\n    maxRetentionDays: 2555\n    copyRetentionDays: 365",
            "    minRetentionDays: 3\n    maxRetentionDays: 2555\n    copyRetentionDays: 365",
        ),
        "key 'hardened-accounts:airGapped.minRetentionDays': Input should be greater than or equal to 7 (got 3).",
    ),
    "third-copy-in-the-same-geography": (
        GOOD_PROD.replace("    location: us-east4\n", "    location: europe-west3\n"),
        "key 'hardened-accounts:gcp': location europe-west3 is in europe, the same geography as the AWS region eu-west-1",
    ),
    "self-approved-break-glass": (
        GOOD_ORG.replace(
            "approvers: [group:security-approvers@acme.example]", "approvers: [user:break-glass-1@acme.example]"
        ),
        "user:break-glass-1@acme.example may both request and approve; approval must come from someone else",
    ),
    "fleet-and-single-environment": (
        GOOD_DEV.replace(
            "config:\n",
            "config:\n  hardened-accounts:environment: dev\n  hardened-accounts:workloads: [dev, staging]\n",
        ),
        "key 'hardened-accounts:workloads': give either environment (one workload account) or workloads (a fleet), not both",
    ),
    "foreign-namespace": (
        GOOD_DEV.replace("config:\n", "config:\n  aws:region: us-east-1\n"),
        "key 'aws:region' is not used by this project; project keys start with 'hardened-accounts:'",
    ),
    "long-compliance-lock-outside-production": (
        GOOD_DEV.replace(
            "retentionMode: GOVERNANCE\n    retentionDays: 7", "retentionMode: COMPLIANCE\n    retentionDays: 365"
        ),
        "key 'hardened-accounts:replica': bucket 'replica' asks for a COMPLIANCE lock of 365 days in a non-production stack",
    ),
    "compliance-vault-outside-production": (
        GOOD_DEV.replace(
            "    retentionMode: GOVERNANCE\n    minRetentionDays", "    retentionMode: COMPLIANCE\n    minRetentionDays"
        ),
        "key 'hardened-accounts:vault': retentionMode is COMPLIANCE in a non-production stack, a vault lock nobody could ever lift",
    ),
    "copy-outside-the-vault-lock": (
        GOOD_DEV.replace("copyRetentionDays: 7", "copyRetentionDays: 30"),
        "key 'hardened-accounts:backups': copyRetentionDays is 30 days, outside the vault lock's 7 to 14 days",
    ),
    "role-in-another-account": (
        GOOD_ORG.replace(
            "arn:aws:iam::999988887777:role/hardened-deployer", "arn:aws:iam::111122223333:role/hardened-deployer"
        ),
        "key 'hardened-accounts:management': deploymentRoleArn is in account 111122223333 but accountId is 999988887777",
    ),
    "subscriber-endpoint-for-another-protocol": (
        GOOD_ORG.replace("endpoint: security-oncall@acme.example", "endpoint: security-oncall", 1),
        "key 'hardened-accounts:breakGlass.subscribers[0]': endpoint 'security-oncall' is not a valid email endpoint.",
    ),
    "production-third-copy-unlocked": (
        GOOD_PROD.replace("    locked: true\n", "    locked: false\n"),
        "key 'hardened-accounts:gcp': a production stack locks its third copy's retention policy (locked: true)",
    ),
    "not-yaml": (
        GOOD_DEV.replace("  hardened-accounts:tier: non-production", "  hardened-accounts:tier: [non-production"),
        "stacks/Pulumi.bad.yaml: line 6, column 38: not valid YAML (expected ',' or ']', but got ':').",
    ),
}


@pytest.mark.parametrize("case", BAD_CONFIGS)
def test_bad_config_exits_2_with_one_clear_paragraph(capsys, project, case):
    text, expected = BAD_CONFIGS[case]
    (project / "stacks/Pulumi.bad.yaml").write_text(text)
    code, out, err = plan(capsys, "--stack", "bad", "--project-dir", str(project))
    assert (code, out) == (2, "")
    assert err.startswith("error: stacks/Pulumi.bad.yaml")
    assert expected in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_bad_config_declares_nothing(project):
    (project / "stacks/Pulumi.bad.yaml").write_text(BAD_CONFIGS["wrong-type"][0])
    registered = {}
    with pytest.raises(StackConfigError):
        run_stack(find_project(project), "bad", registrations=registered)
    assert [r.type for r in registered.values()] == ["pulumi:pulumi:Stack"]


def test_every_problem_is_reported_at_once(capsys, project):
    broken = GOOD_DEV.replace("retentionDays: 7", "retentionDays: -1").replace("region: eu-west-1", "region: mars")
    (project / "stacks/Pulumi.bad.yaml").write_text(broken)
    code, _, err = plan(capsys, "--stack", "bad", "--project-dir", str(project))
    assert code == 2
    assert "hardened-accounts:region" in err and "hardened-accounts:buckets.backups.retentionDays" in err


def test_a_component_failure_between_the_break_glass_users_and_the_trail_does_not_hang():
    """The organization program resolves its deferred trail log group even when a component refuses: an unresolved
    deferred output kept the plan (and `pulumi up`) waiting for ever."""
    program = textwrap.dedent("""
        import sys
        import hardened.aws
        from hardened.errors import ComponentArgumentError

        def refuse(self, name, args, opts=None):
            raise ComponentArgumentError("OrganizationTrail", name, "retention_days", "is refused by this test")

        hardened.aws.OrganizationTrail.__init__ = refuse
        from hardened_tools.cli import main
        sys.exit(main(["plan", "--stack", "org", "--project-dir", sys.argv[1]]))
    """)
    done = subprocess.run([sys.executable, "-c", program, str(ROOT)], capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "error: OrganizationTrail 'org-trail': argument 'retention_days' is refused by this test\n"
