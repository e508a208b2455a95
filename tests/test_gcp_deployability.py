"""What a real GCP deploy refuses and the mock runtime accepts, one named rule each, on the shipped stacks and components:

1. Domain-restricted sharing refuses every grant to a Google service agent: the folder names exactly the agents the
   library grants roles to, beside the organization's principal set, and the legacy customer list is lifted only in
   the backup project, after that holds.
2. A new project has almost no API enabled: every GCP child of a service waits for that service's gcp.projects.Service.
3. Privileged Access Manager acts as the organization's PAM agent: it is created, then granted its role on the project,
   then the entitlement is created.
4. Cloud Monitoring refuses a threshold condition on a log-based metric without a resource.type: every one names it,
   and waits for its metric.
"""

import json
import re

import pulumi
import pulumi_aws as aws
import pulumi_gcp as gcp
import pytest
from planning import ACCOUNT, REGION, by_name, one, plan_of, refusal, resources, shipped_plan

from hardened.gcp import BackupProject, BreakGlassEntitlement, CrossCloudTransfer, FolderGuardrails, LockedBucket
from hardened.gcp.backup_project import DEFAULT_SERVICES
from hardened.gcp.documents import log_alerts, org_policies, service_agents

POLICY = "gcp:orgpolicy/policy:Policy"
ALERT = "gcp:monitoring/alertPolicy:AlertPolicy"
SERVICE = "gcp:projects/service:Service"
PAM_AGENT = "gcp:iam/workloadIdentityServiceAgent:WorkloadIdentityServiceAgent"
PROJECT_IAM = "gcp:projects/iAMMember:IAMMember"
ENTITLEMENT = "gcp:privilegedaccessmanager/entitlement:entitlement"
GRANTS = ("gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember", "gcp:storage/bucketIAMMember:BucketIAMMember", PROJECT_IAM)
ORGANIZATION = "123456789012"  # stacks/Pulumi.org.yaml
# Which API each GCP resource type needs: the service its token names (storage/transferJob is Storage Transfer's).
API_OF = {
    "gcp:kms/": "cloudkms",
    "gcp:storage/transferJob": "storagetransfer",
    "gcp:storage/": "storage",
    "gcp:logging/": "logging",
    "gcp:monitoring/": "monitoring",
    "gcp:privilegedaccessmanager/": "privilegedaccessmanager",
}


@pytest.fixture(scope="module")
def org() -> dict:
    return shipped_plan("org")


@pytest.fixture(scope="module")
def prod() -> dict:
    return shipped_plan("prod")


def project_number(org: dict) -> str:
    return org["outputs"]["gcp"]["projectNumber"]


def allowed_members(org: dict) -> dict:
    policy = by_name(org, "org-gcp-guardrails-iam.managed.allowedPolicyMembers")
    (rule,) = policy["inputs"]["spec"]["rules"]
    return json.loads(rule["parameters"])


def nothing_but_the_stack(declared: list[str]) -> bool:
    return [t for t in declared if not t.startswith("pulumi:")] == []


def api_of(type_: str) -> str | None:
    return next((api for prefix, api in API_OF.items() if type_.startswith(prefix)), None)


# --- 1. Domain-restricted sharing: the service agents, by name, and nothing wider ------------------------------------


def test_the_folder_allows_exactly_the_agents_the_library_grants_to_and_the_organization(org):
    """Cloud Storage's and Storage Transfer's agents of the backup project, the folder's Cloud Logging agent (its sink
    writes the folder's audit logs into the project), PAM's agent of the organization."""
    number = project_number(org)
    policy = by_name(org, "org-gcp-guardrails-iam.managed.allowedPolicyMembers")
    folder = org["outputs"]["gcp"]["folderId"]
    assert policy["inputs"]["name"] == f"{folder}/policies/iam.managed.allowedPolicyMembers"
    assert policy["inputs"]["parent"] == folder
    assert policy["protect"]
    (rule,) = policy["inputs"]["spec"]["rules"]
    assert set(rule) == {"enforce", "parameters"} and rule["enforce"] == "TRUE"
    assert allowed_members(org) == {
        "allowedMemberSubjects": [
            f"serviceAccount:project-{number}@storage-transfer-service.iam.gserviceaccount.com",
            f"serviceAccount:service-{number}@gs-project-accounts.iam.gserviceaccount.com",
            f"serviceAccount:service-folder-{folder.removeprefix('folders/')}@gcp-sa-logging.iam.gserviceaccount.com",
            f"serviceAccount:service-org-{ORGANIZATION}@gcp-sa-pam.iam.gserviceaccount.com",
        ],
        "allowedPrincipalSets": [f"//cloudresourcemanager.googleapis.com/organizations/{ORGANIZATION}"],
    }


def test_the_customer_list_is_lifted_in_the_backup_project_only_and_after_the_agents_list_holds(org):
    number = project_number(org)
    lifted = [p for p in resources(org, POLICY) if p["inputs"]["spec"]["rules"] == [{"allowAll": "TRUE"}]]
    assert [p["name"] for p in lifted] == ["org-gcp-guardrails-agents-iam.allowedPolicyMemberDomains"]
    assert lifted[0]["inputs"]["name"] == f"projects/{number}/policies/iam.allowedPolicyMemberDomains"
    assert lifted[0]["inputs"]["parent"] == f"projects/{number}"
    assert lifted[0]["protect"]
    assert by_name(org, "org-gcp-guardrails-iam.managed.allowedPolicyMembers")["urn"] in lifted[0]["depends_on"]
    # The folder keeps its customer list for every other project under it.
    assert by_name(org, "org-gcp-guardrails-iam.allowedPolicyMemberDomains")["inputs"]["spec"] == {
        "inheritFromParent": False,
        "rules": [{"values": {"allowedValues": ["C01a2b3c4"]}}],
    }


def test_every_agent_granted_a_role_in_either_stack_is_allowed_and_no_other(org, prod):
    """The env stack's agents are looked up per project in the mock, numbered apart from the org plan's project: the
    agent's kind (its local part's form and its domain) is compared, the exact members in the test above."""
    kind = lambda member: re.sub(r"[0-9]+", "N", member)  # noqa: E731
    granted = {
        r["inputs"]["member"]
        for plan in (org, prod)
        for t in GRANTS
        for r in resources(plan, t)
        if "member" in r["inputs"]
    }
    agents = {m for m in granted if service_agents.SERVICE_AGENT.fullmatch(m)}
    assert {kind(m) for m in agents} == {kind(m) for m in allowed_members(org)["allowedMemberSubjects"]}


@pytest.mark.parametrize(
    "members",
    [
        [],
        ["domain:acme.example"],
        ["user:alice@gmail.com"],
        ["group:all@acme.example"],
        ["allUsers"],
        ["allAuthenticatedUsers"],
        ["serviceAccount:*@gs-project-accounts.iam.gserviceaccount.com"],
        ["serviceAccount:backup@acme-backups.iam.gserviceaccount.com"],
        ["principalSet://goog/public:all"],
    ],
)
def test_only_google_service_agents_are_ever_named(members):
    with pytest.raises(ValueError):
        org_policies.allowed_policy_members(ORGANIZATION, members)
    message, declared = refusal(
        lambda: FolderGuardrails("guardrails", GUARDRAILS | {"service_agents": AGENTS | {"members": members}})
    )
    assert message.startswith("FolderGuardrails 'guardrails': argument 'service_agents.members' ")
    assert nothing_but_the_stack(declared)


def test_a_component_given_its_agents_declares_the_allowance_and_the_lift():
    plan = plan_of(lambda: FolderGuardrails("guardrails", GUARDRAILS | {"service_agents": AGENTS}, opts=in_project()))
    allowed = by_name(plan, "guardrails-iam.managed.allowedPolicyMembers")["inputs"]
    assert allowed["spec"] == {
        "rules": [
            {
                "enforce": "TRUE",
                "parameters": json.dumps(
                    {
                        "allowedMemberSubjects": sorted(AGENTS["members"]),
                        "allowedPrincipalSets": ["//cloudresourcemanager.googleapis.com/organizations/111122223333"],
                    },
                    sort_keys=True,
                ),
            }
        ]
    }
    assert by_name(plan, "guardrails-agents-iam.allowedPolicyMemberDomains")["inputs"] == {
        "name": "projects/246813579024/policies/iam.allowedPolicyMemberDomains",
        "parent": "projects/246813579024",
        "spec": {"rules": [{"allowAll": "TRUE"}]},
    }
    # Without agents nothing is lifted: the legacy customer list alone holds, as before.
    plain = plan_of(lambda: FolderGuardrails("guardrails", GUARDRAILS, opts=in_project()))
    assert not [p for p in resources(plain, POLICY) if "allowedPolicyMembers" in p["name"] or "agents" in p["name"]]


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("organization_id", "acme", "numeric id"),
        ("project_number", "acme-backups", "digits only"),
        ("project_number", "12", "digits only"),
    ],
)
def test_a_bad_project_or_organization_is_refused_before_anything_is_declared(field, value, problem):
    message, declared = refusal(
        lambda: FolderGuardrails("guardrails", GUARDRAILS | {"service_agents": AGENTS | {field: value}})
    )
    assert (
        message.startswith(f"FolderGuardrails 'guardrails': argument 'service_agents.{field}' ") and problem in message
    )
    assert nothing_but_the_stack(declared)


# --- 2. API enablement: each child waits for its service ---------------------------------------------------------------


def test_the_project_enables_every_api_its_resources_need():
    assert {f"{api}.googleapis.com" for api in API_OF.values()} <= set(DEFAULT_SERVICES)


def test_every_resource_of_a_service_in_the_org_stack_waits_for_that_services_api(org):
    services = {r["inputs"]["service"].removesuffix(".googleapis.com"): r["urn"] for r in resources(org, SERVICE)}
    needing = [
        r
        for r in resources(org)
        if r["custom"] and api_of(r["type"]) and r["lands_in"] and r["lands_in"]["cloud"] == "gcp"
    ]
    assert {api_of(r["type"]) for r in needing} == {"logging", "monitoring", "privilegedaccessmanager"}
    late = {r["name"]: api_of(r["type"]) for r in needing if services[api_of(r["type"])] not in r["depends_on"]}
    assert late == {}


def test_the_off_site_copy_waits_for_the_kms_storage_and_transfer_apis_when_declared_with_its_project():
    """Composed in one program, as README's components are: depends_on on the component reaches every child."""

    def program():
        provider = gcp.Provider("backup-project", project="acme-backups", region="europe-west3")
        project = BackupProject("backup", PROJECT_ARGS, opts=pulumi.ResourceOptions(provider=provider))
        after = pulumi.ResourceOptions(provider=provider, depends_on=[project])
        bucket = LockedBucket("offsite", {"location": "europe-west3", "retention_days": 30}, opts=after)
        source = aws.Provider("source", region=REGION, allowed_account_ids=[ACCOUNT])
        CrossCloudTransfer(
            "to-gcp",
            {
                "source_bucket": "acme-replica",
                "source_bucket_arn": "arn:aws:s3:::acme-replica",
                "source_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                "aws_provider": source,
                "sink_bucket": bucket.bucket_name,
                "project_id": "acme-backups",
                "start_date": "2026-01-01",
            },
            opts=after,
        )

    plan = plan_of(program)
    services = {r["inputs"]["service"].removesuffix(".googleapis.com"): r["urn"] for r in resources(plan, SERVICE)}
    needing = [r for r in resources(plan) if r["type"].startswith("gcp:") and api_of(r["type"])]
    assert {api_of(r["type"]) for r in needing} == {"cloudkms", "storage", "storagetransfer"}
    assert {r["name"]: api_of(r["type"]) for r in needing if services[api_of(r["type"])] not in r["depends_on"]} == {}


# --- 3. PAM's service agent: created, granted its role, then the entitlement ---------------------------------------------


def test_the_organizations_pam_agent_is_created_then_granted_its_role_on_the_project_before_the_entitlement(org):
    agent = by_name(org, "org-gcp-break-glass-pam-agent")
    assert agent["type"] == PAM_AGENT
    assert agent["inputs"] == {
        "parent": f"organizations/{ORGANIZATION}/locations/global/serviceProducers/privilegedaccessmanager.googleapis.com"
    }
    role = by_name(org, "org-gcp-break-glass-pam-agent-role")
    assert role["type"] == PROJECT_IAM
    assert role["inputs"] == {
        "project": org["outputs"]["gcp"]["projectId"],
        "role": "roles/privilegedaccessmanager.serviceAgent",
        "member": f"serviceAccount:service-org-{ORGANIZATION}@gcp-sa-pam.iam.gserviceaccount.com",
    }
    assert agent["urn"] in role["depends_on"]
    assert role["urn"] in one(org, ENTITLEMENT)["depends_on"]


def test_the_pam_agents_grant_waits_for_its_allowance(org):
    allowed = by_name(org, "org-gcp-guardrails-iam.managed.allowedPolicyMembers")["urn"]
    lifted = by_name(org, "org-gcp-guardrails-agents-iam.allowedPolicyMemberDomains")["urn"]
    assert {allowed, lifted} <= set(by_name(org, "org-gcp-break-glass-pam-agent-role")["depends_on"])


def test_the_pam_agent_and_its_role_wait_for_the_pam_api(org):
    pam = by_name(org, "org-gcp-backup-privilegedaccessmanager")["urn"]
    assert pam in by_name(org, "org-gcp-break-glass-pam-agent")["depends_on"]
    assert pam in by_name(org, "org-gcp-break-glass-pam-agent-role")["depends_on"]


def test_the_entitlement_needs_the_organization_of_its_pam_agent():
    args = dict(ENTITLEMENT_ARGS)
    del args["organization_id"]
    message, declared = refusal(lambda: BreakGlassEntitlement("break-glass", args))
    assert (
        message
        == "BreakGlassEntitlement 'break-glass': argument 'organization_id' is required by BreakGlassEntitlementArgs"
    )
    assert nothing_but_the_stack(declared)
    message, declared = refusal(
        lambda: BreakGlassEntitlement("break-glass", ENTITLEMENT_ARGS | {"organization_id": "organizations/1"})
    )
    assert message.startswith(
        "BreakGlassEntitlement 'break-glass': argument 'organization_id' must be the organization's numeric id"
    )
    assert nothing_but_the_stack(declared)


# --- 4. Alert filters: a resource.type, and the metric first -------------------------------------------------------------


def test_every_threshold_alert_names_its_metric_and_a_resource_type_and_waits_for_the_metric(org):
    metrics = {r["inputs"]["name"]: r["urn"] for r in resources(org, "gcp:logging/metric:Metric")}
    thresholds = {}
    for policy in resources(org, ALERT):
        for condition in policy["inputs"]["conditions"]:
            if "conditionThreshold" in condition:
                thresholds[policy["name"]] = condition["conditionThreshold"]["filter"]
                metric = re.match(
                    r'^metric\.type="logging\.googleapis\.com/user/([^"]+)" AND ', thresholds[policy["name"]]
                ).group(1)
                assert metrics[metric] in policy["depends_on"], policy["name"]
    folder_types = '(resource.type="audited_resource" OR resource.type="folder" OR resource.type="logging_sink")'
    assert thresholds == {
        "org-gcp-break-glass-grant-activated": 'metric.type="logging.googleapis.com/user/org-gcp-break-glass-grant-activations" AND resource.type="audited_resource"',
        **{
            f"org-gcp-alerts-{role}": f'metric.type="logging.googleapis.com/user/org-gcp-alerts-{role}-entries" AND {folder_types}'
            for role in ("folder-alerting", "folder-deny-policy", "folder-org-policy")
        },
    }


def test_a_metric_filter_without_a_resource_type_is_refused():
    with pytest.raises(ValueError):
        log_alerts.user_metric_filter("grants", [])
    with pytest.raises(ValueError):
        log_alerts.user_metric_filter("grants", ['audited_resource" OR resource.type!="x'])
    assert log_alerts.user_metric_filter("grants", ["folder", "audited_resource", "folder"]) == (
        'metric.type="logging.googleapis.com/user/grants" AND (resource.type="audited_resource" OR resource.type="folder")'
    )


# --- Shared arguments ------------------------------------------------------------------------------------------------


def in_project() -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(
        provider=gcp.Provider("backup-project", project="acme-backups", region="europe-west3")
    )


PROJECT_ARGS = {
    "organization_id": "111122223333",
    "billing_account": "01AB23-45CD67-89EF01",
    "project_id": "acme-backups",
    "folder_display_name": "backups",
}
GUARDRAILS = {
    "folder_id": "folders/123456789012",
    "allowed_locations": ["europe-west3"],
    "allowed_customer_ids": ["C03xyz7ab"],
    "retention_days": [30],
    "break_glass_principals": ["principalSet://goog/group/break-glass@acme.example"],
}
AGENTS = {
    "project_number": "246813579024",
    "organization_id": "111122223333",
    "members": [
        service_agents.storage_agent("246813579024"),
        service_agents.transfer_agent("246813579024"),
        service_agents.pam_agent("111122223333"),
    ],
}
ENTITLEMENT_ARGS = {
    "project_id": "acme-backups",
    "organization_id": "111122223333",
    "entitlement_id": "break-glass",
    "eligible_principals": ["user:alice@acme.example"],
    "approvers": ["group:security-approvers@acme.example"],
    "roles": ["roles/storage.objectViewer"],
    "notification_emails": ["security@acme.example"],
}
