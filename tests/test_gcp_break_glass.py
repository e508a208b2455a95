"""BreakGlassEntitlement: the entitlement, the activation metric, the e-mail channels and the alert policy, exactly, and bad arguments;
the org stack's break-glass config: the least roles by default, never one that changes the guardrails."""

import json
import shutil
from pathlib import Path

import pulumi
import pulumi_gcp as gcp
import pytest
from planning import PROJECT, by_name, one, plan_of, resources, shipped_plan

from hardened.errors import ComponentArgumentError
from hardened.gcp.break_glass_entitlement import BreakGlassEntitlement
from hardened.gcp.documents.pam import break_glass_condition
from hardened_tools.cli import main
from hardened_tools.plan import run_program
from hardened_tools.plan.document import dumps

ENTITLEMENT = "gcp:privilegedaccessmanager/entitlement:entitlement"  # pulumi-gcp's token really is lower-case
METRIC = "gcp:logging/metric:Metric"
CHANNEL = "gcp:monitoring/notificationChannel:NotificationChannel"
ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
WHERE = {"cloud": "gcp", "project": "acme-backups", "region": "europe-west3"}
EMAILS = ["security@acme.example", "backup-owners@acme.example"]
CONDITION = (
    '(resource.service == "storage.googleapis.com" && (resource.name == "projects/_/buckets/acme-backups"'
    ' || resource.name.startsWith("projects/_/buckets/acme-backups/")))'
)
ARGS = {
    "project_id": "acme-backups",
    "organization_id": "111122223333",
    "entitlement_id": "backup-break-glass",
    "eligible_principals": ["group:break-glass@acme.example", "user:alice@acme.example"],
    "approvers": ["group:security-approvers@acme.example"],
    "roles": ["roles/storage.objectAdmin", "roles/storage.admin"],
    "condition": break_glass_condition(["acme-backups"]),
    "notification_emails": EMAILS,
}


def run_entitlement(overrides: dict, registrations: dict | None = None):
    def program():
        provider = gcp.Provider("backup-project", project="acme-backups", region="europe-west3")
        BreakGlassEntitlement("break-glass", ARGS | overrides, opts=pulumi.ResourceOptions(provider=provider))

    if registrations is not None:
        return run_program(program, project=PROJECT, stack="test", registrations=registrations)
    return plan_of(program)


@pytest.fixture(scope="module")
def plan() -> dict:
    return run_entitlement({})


def test_the_entitlement_grants_the_roles_within_the_condition_for_an_hour_after_approval_by_someone_else(plan):
    entitlement = one(plan, ENTITLEMENT)
    assert entitlement["name"] == "break-glass-entitlement"
    assert entitlement["inputs"] == {
        "parent": "projects/acme-backups",
        "location": "global",
        "entitlementId": "backup-break-glass",
        "eligibleUsers": [{"principals": ["group:break-glass@acme.example", "user:alice@acme.example"]}],
        "privilegedAccess": {
            "gcpIamAccess": {
                "resource": "//cloudresourcemanager.googleapis.com/projects/acme-backups",
                "resourceType": "cloudresourcemanager.googleapis.com/Project",
                "roleBindings": [
                    {"role": "roles/storage.objectAdmin", "conditionExpression": CONDITION},
                    {"role": "roles/storage.admin", "conditionExpression": CONDITION},
                ],
            }
        },
        "maxRequestDuration": "3600s",
        "requesterJustificationConfig": {"unstructured": {}},
        "approvalWorkflow": {
            "manualApprovals": {
                "requireApproverJustification": True,
                "steps": [
                    {
                        "approvalsNeeded": 1,
                        "approvers": {"principals": ["group:security-approvers@acme.example"]},
                        "approverEmailRecipients": EMAILS,
                    }
                ],
            }
        },
        "additionalNotificationTargets": {"adminEmailRecipients": EMAILS, "requesterEmailRecipients": EMAILS},
    }
    assert entitlement["lands_in"] == WHERE


def test_a_metric_counts_every_grant_activation_in_the_project(plan):
    metric = one(plan, METRIC)
    assert metric["inputs"] == {
        "name": "break-glass-grant-activations",
        "project": "acme-backups",
        "description": "Privileged Access Manager grants activated in the backup project (break-glass use)",
        "filter": 'protoPayload.methodName="PAMActivateGrant"',
        "metricDescriptor": {"metricKind": "DELTA", "valueType": "INT64", "unit": "1"},
    }
    assert metric["lands_in"] == WHERE


def test_each_address_gets_an_email_channel(plan):
    for index, email in enumerate(EMAILS):
        channel = by_name(plan, f"break-glass-email-{index}")
        assert channel["type"] == CHANNEL
        assert channel["inputs"] == {
            "project": "acme-backups",
            "type": "email",
            "displayName": f"break-glass: {email}",
            "labels": {"email_address": email},
            "enabled": True,
        }
    assert len(resources(plan, CHANNEL)) == 2


def test_the_alert_fires_on_the_first_activation_and_notifies_every_channel(plan):
    alert = one(plan, ALERT)
    channels = [by_name(plan, f"break-glass-email-{i}")["id"] for i in range(2)]
    assert alert["inputs"] == {
        "project": "acme-backups",
        "displayName": "break-glass: break-glass grant activated",
        "combiner": "OR",
        "conditions": [
            {
                "displayName": "A break-glass grant was activated",
                "conditionThreshold": {
                    "filter": 'metric.type="logging.googleapis.com/user/break-glass-grant-activations" AND resource.type="audited_resource"',
                    "comparison": "COMPARISON_GT",
                    "thresholdValue": 0,
                    "duration": "0s",
                    "aggregations": [
                        {"alignmentPeriod": "60s", "perSeriesAligner": "ALIGN_SUM", "crossSeriesReducer": "REDUCE_SUM"}
                    ],
                    "trigger": {"count": 1},
                },
            }
        ],
        "notificationChannels": channels,
        "severity": "CRITICAL",
        "documentation": {
            "content": "A Privileged Access Manager grant was activated in the backup project (entitlement backup-break-glass). "
            "Confirm the request, its justification and its approver with the people named in them.",
            "mimeType": "text/markdown",
        },
        "enabled": True,
    }
    assert all(c.startswith("projects/acme-backups/notificationChannels/") for c in channels)
    assert alert["computed_inputs"] == ["notificationChannels"]


def test_nothing_else_is_declared_and_the_outputs_name_the_entitlement_and_the_alert(plan):
    gcp_types = sorted(r["type"] for r in resources(plan) if r["type"].startswith("gcp:"))
    assert gcp_types == [
        "gcp:iam/workloadIdentityServiceAgent:WorkloadIdentityServiceAgent",
        METRIC,
        ALERT,
        CHANNEL,
        CHANNEL,
        ENTITLEMENT,
        "gcp:projects/iAMMember:IAMMember",
    ]
    component = one(plan, "hardened:index:BreakGlassEntitlement")
    assert component["outputs"] == {
        "entitlementName": one(plan, ENTITLEMENT)["id"],
        "alertPolicyName": one(plan, ALERT)["id"],
    }
    assert component["outputs"]["alertPolicyName"].startswith("projects/acme-backups/alertPolicies/")
    assert all(r["parent"] == component["urn"] for r in resources(plan) if r["type"].startswith("gcp:"))


def test_without_a_condition_the_roles_cover_the_project_and_a_shorter_duration_is_kept():
    plan = run_entitlement({"condition": None, "max_duration_seconds": 900, "roles": ["roles/storage.objectViewer"]})
    entitlement = one(plan, ENTITLEMENT)["inputs"]
    assert entitlement["privilegedAccess"]["gcpIamAccess"]["roleBindings"] == [{"role": "roles/storage.objectViewer"}]
    assert entitlement["maxRequestDuration"] == "900s"


@pytest.mark.parametrize(
    ("overrides", "argument", "problem"),
    [
        (
            {"approvers": ["user:alice@acme.example"]},
            "approvers",
            "approved by someone else (both: ['user:alice@acme.example'])",
        ),
        (
            {"approvers": ["user:Alice@ACME.example", "group:security-approvers@acme.example"]},
            "approvers",
            "approved by someone else",
        ),
        ({"approvers": []}, "approvers", "one or more user:EMAIL or group:EMAIL"),
        ({"eligible_principals": []}, "eligible_principals", "(got [])"),
        ({"eligible_principals": ["alice@acme.example"]}, "eligible_principals", "(got ['alice@acme.example'])"),
        (
            {"eligible_principals": ["serviceAccount:ci@acme-backups.iam.gserviceaccount.com"]},
            "eligible_principals",
            "user:EMAIL or group:EMAIL",
        ),
        ({"eligible_principals": ["domain:acme.example"]}, "eligible_principals", "domain:acme.example"),
        ({"roles": ["roles/owner"]}, "roles", "never roles/owner, roles/editor or roles/viewer"),
        ({"roles": ["storage.admin"]}, "roles", "(got ['storage.admin'])"),
        ({"roles": []}, "roles", "one or more predefined or custom roles"),
        ({"max_duration_seconds": 30}, "max_duration_seconds", "from 60 to 3600 (got 30)"),
        ({"max_duration_seconds": 7200}, "max_duration_seconds", "from 60 to 3600 (got 7200)"),
        ({"max_duration_seconds": 0}, "max_duration_seconds", "from 60 to 3600 (got 0)"),
        ({"max_duration_seconds": True}, "max_duration_seconds", "(got True)"),
        ({"notification_emails": []}, "notification_emails", "one or more e-mail addresses"),
        ({"notification_emails": ["security"]}, "notification_emails", "(got ['security'])"),
        ({"entitlement_id": "bg"}, "entitlement_id", "4 to 63 lowercase letters"),
        ({"entitlement_id": "Break-Glass"}, "entitlement_id", "(got 'Break-Glass')"),
        ({"entitlement_id": "1break-glass"}, "entitlement_id", "starting with a letter"),
        ({"condition": "  "}, "condition", "must be a CEL expression"),
        ({"project_id": ""}, "project_id", "must be a project id"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(overrides, argument, problem):
    registered = {}
    with pytest.raises(ComponentArgumentError) as raised:
        run_entitlement(overrides, registered)
    assert str(raised.value).startswith(f"BreakGlassEntitlement 'break-glass': argument '{argument}' ")
    assert problem in str(raised.value)
    assert [r.type for r in registered.values() if not r.type.startswith("pulumi:")] == []


ROOT = Path(__file__).resolve().parents[1]
GOOD_ORG = (ROOT / "stacks/Pulumi.org.yaml").read_text()
BREAK_GLASS_ROLES = "      notificationEmails: [security-oncall@acme.example]\n"


def plan_org(capsys, tmp_path: Path, text: str) -> tuple[int, str, str]:
    """`hardened plan` of a copy of the project whose org stack file reads `text`."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "stacks/Pulumi.org.yaml").write_text(text)
    code = main(["plan", "--stack", "org", "--format", "json", "--project-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "roles",
    [
        "[roles/iam.denyAdmin]",
        "[roles/orgpolicy.policyAdmin]",
        "[roles/owner]",
        "[roles/storage.objectViewer, roles/resourcemanager.projectIamAdmin]",
        "[roles/iam.securityAdmin]",
        "[roles/resourcemanager.projectDeleter]",
        "[roles/editor]",
    ],
)
def test_the_org_stack_refuses_a_break_glass_role_that_changes_the_guardrails(capsys, tmp_path, roles):
    assert BREAK_GLASS_ROLES in GOOD_ORG
    code, out, err = plan_org(
        capsys, tmp_path, GOOD_ORG.replace(BREAK_GLASS_ROLES, f"{BREAK_GLASS_ROLES}      roles: {roles}\n")
    )
    refused = ", ".join(r for r in roles.strip("[]").split(", ") if not r.startswith("roles/storage."))
    assert (code, out) == (2, "")
    assert err.startswith(
        f"error: stacks/Pulumi.org.yaml: invalid config. key 'hardened-accounts:gcp.breakGlass.roles': {refused} would let a break-glass "
        "grant change the deny policies, organization policies or IAM that guard the backups, or delete or move the backup project. "
        "Allowed: roles granted for at most an hour on the off-site buckets only, such as roles/storage.objectViewer"
    )
    assert err.count("\n") == 1


def role_bindings(plan_json: str) -> list[dict]:
    return one(json.loads(plan_json), ENTITLEMENT)["inputs"]["privilegedAccess"]["gcpIamAccess"]["roleBindings"]


def test_by_default_a_grant_reads_the_off_site_buckets_of_every_workload_environment():
    # The shipped org stack file as it is: its shared plan (test_deploy_rules.py holds it to every deploy rule).
    assert role_bindings(dumps(shipped_plan("org"))) == [
        {
            "role": "roles/storage.objectViewer",
            "conditionExpression": " || ".join(
                f'(resource.service == "storage.googleapis.com" && resource.name.startsWith("projects/_/buckets/{env}-offsite-bucket-"))'
                for env in ("dev", "prod", "staging")
            ),
        }
    ]


def test_the_named_roles_reach_the_off_site_buckets_of_the_named_environments_only(capsys, tmp_path):
    named = GOOD_ORG.replace(
        BREAK_GLASS_ROLES,
        f"{BREAK_GLASS_ROLES}      roles: [roles/storage.objectUser]\n      offsitePrefixes: [prod, fleet-dev]\n",
    )
    code, out, err = plan_org(capsys, tmp_path, named)
    assert (code, err) == (0, "")
    assert role_bindings(out) == [
        {
            "role": "roles/storage.objectUser",
            "conditionExpression": (
                '(resource.service == "storage.googleapis.com" && resource.name.startsWith("projects/_/buckets/fleet-dev-offsite-bucket-"))'
                ' || (resource.service == "storage.googleapis.com" && resource.name.startsWith("projects/_/buckets/prod-offsite-bucket-"))'
            ),
        }
    ]


@pytest.mark.parametrize("prefixes", ["[]", "[Prod]", "[prod-]", "[prod*]", "[" + "p" * 41 + "]"])
def test_an_environment_prefix_that_names_no_stack_is_refused(capsys, tmp_path, prefixes):
    code, out, err = plan_org(
        capsys, tmp_path, GOOD_ORG.replace(BREAK_GLASS_ROLES, f"{BREAK_GLASS_ROLES}      offsitePrefixes: {prefixes}\n")
    )
    assert (code, out) == (2, "")
    assert "key 'hardened-accounts:gcp.breakGlass.offsitePrefixes" in err
    assert "Allowed: the environment stacks whose off-site buckets a grant reaches" in err
