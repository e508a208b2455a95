"""FolderGuardrails: every organization policy and the deny policy on the folder, exactly, their documents, and bad arguments."""

import re

import pulumi
import pulumi_gcp as gcp
import pytest
from planning import PROJECT, by_name, one, plan_of, resources

from hardened.errors import ComponentArgumentError
from hardened.gcp.documents import deny_policies, org_policies
from hardened.gcp.folder_guardrails import FolderGuardrails
from hardened_tools.plan import run_program

ORG_POLICY = "gcp:orgpolicy/policy:Policy"
DENY_POLICY = "gcp:iam/denyPolicy:DenyPolicy"
FOLDER = "folders/123456789012"
BREAK_GLASS = ["principalSet://goog/group/break-glass@acme.example", "principal://goog/subject/alice@acme.example"]
WHERE = {"cloud": "gcp", "project": "acme-backups", "region": "europe-west3"}
DAY = 86400
ENFORCED = {"rules": [{"enforce": "TRUE"}]}
DESTRUCTION = ["storage.googleapis.com/buckets.delete", "storage.googleapis.com/objects.delete"]
PROTECTION = [
    "storage.googleapis.com/buckets.setIamPolicy",
    "storage.googleapis.com/buckets.update",
    "storage.googleapis.com/objects.setIamPolicy",
    "storage.googleapis.com/objects.update",
]
KEY_DESTRUCTION = [
    "cloudkms.googleapis.com/cryptoKeyVersions.destroy",
    "cloudkms.googleapis.com/cryptoKeyVersions.update",
]
KEY_ACCESS = ["cloudkms.googleapis.com/cryptoKeys.setIamPolicy", "cloudkms.googleapis.com/keyRings.setIamPolicy"]
PROJECT_REMOVAL = [
    "cloudresourcemanager.googleapis.com/projects.delete",
    "cloudresourcemanager.googleapis.com/projects.move",
]
DEPLOYER = "principal://iam.googleapis.com/projects/-/serviceAccounts/deployer@acme-seed.iam.gserviceaccount.com"
ONLY_BREAK_GLASS = ["principal://goog/subject/alice@acme.example", "principalSet://goog/group/break-glass@acme.example"]
BREAK_GLASS_AND_DEPLOYER = [
    "principal://goog/subject/alice@acme.example",
    DEPLOYER,
    "principalSet://goog/group/break-glass@acme.example",
]
ARGS = {
    "folder_id": FOLDER,
    "allowed_locations": ["in:eu-locations", "europe-west3"],
    "allowed_customer_ids": ["C03xyz7ab"],
    "retention_days": [365, 30],
    "break_glass_principals": BREAK_GLASS,
    "deployer_principals": [DEPLOYER],
}


def run_guardrails(overrides: dict, registrations: dict | None = None, folder_from_program: bool = False):
    def program():
        provider = gcp.Provider("backup-project", project="acme-backups", region="europe-west3")
        args = ARGS | overrides
        if folder_from_program:
            folder = gcp.organizations.Folder(
                "backups",
                display_name="backups",
                parent="organizations/111122223333",
                opts=pulumi.ResourceOptions(provider=provider),
            )
            args = args | {"folder_id": folder.name}
        FolderGuardrails("guardrails", args, opts=pulumi.ResourceOptions(provider=provider))

    if registrations is not None:
        return run_program(program, project=PROJECT, stack="test", registrations=registrations)
    return plan_of(program)


@pytest.fixture(scope="module")
def plan() -> dict:
    return run_guardrails({})


def org_policy(plan: dict, constraint: str) -> dict:
    return by_name(plan, f"guardrails-{constraint}")


def test_each_boolean_constraint_is_enforced_on_the_folder(plan):
    for constraint in (
        "iam.disableServiceAccountKeyCreation",
        "storage.publicAccessPrevention",
        "storage.uniformBucketLevelAccess",
    ):
        policy = org_policy(plan, constraint)
        assert policy["inputs"] == {"name": f"{FOLDER}/policies/{constraint}", "parent": FOLDER, "spec": ENFORCED}, (
            constraint
        )
        assert policy["protect"] and policy["lands_in"] == WHERE


def test_buckets_may_only_have_the_allowed_retention_periods_in_seconds(plan):
    policy = org_policy(plan, "storage.retentionPolicySeconds")
    assert policy["inputs"] == {
        "name": f"{FOLDER}/policies/storage.retentionPolicySeconds",
        "parent": FOLDER,
        "spec": {"inheritFromParent": False, "rules": [{"values": {"allowedValues": ["2592000", "31536000"]}}]},
    }
    assert policy["protect"]


def test_resources_stay_in_the_allowed_locations_and_roles_go_to_the_allowed_customers(plan):
    assert org_policy(plan, "gcp.resourceLocations")["inputs"] == {
        "name": f"{FOLDER}/policies/gcp.resourceLocations",
        "parent": FOLDER,
        "spec": {
            "inheritFromParent": False,
            "rules": [{"values": {"allowedValues": ["europe-west3", "in:eu-locations"]}}],
        },
    }
    assert org_policy(plan, "iam.allowedPolicyMemberDomains")["inputs"] == {
        "name": f"{FOLDER}/policies/iam.allowedPolicyMemberDomains",
        "parent": FOLDER,
        "spec": {"inheritFromParent": False, "rules": [{"values": {"allowedValues": ["C03xyz7ab"]}}]},
    }
    assert all(p["protect"] for p in resources(plan, ORG_POLICY))


def test_nobody_but_the_break_glass_principals_destroys_backups(plan):
    deny = one(plan, DENY_POLICY)
    assert deny["name"] == "guardrails-deny-backup-destruction"
    assert deny["inputs"] == {
        "name": "guardrails-backup-destruction",
        "parent": "cloudresourcemanager.googleapis.com%2Ffolders%2F123456789012",
        "displayName": "Only break-glass principals destroy backups",
        "rules": [
            {
                "description": "Only break-glass principals delete backups",
                "denyRule": {
                    "deniedPrincipals": ["principalSet://goog/public:all"],
                    "exceptionPrincipals": ONLY_BREAK_GLASS,
                    "deniedPermissions": DESTRUCTION,
                },
            },
            {
                # The deployer configures the buckets (IAM for the transfer, the retention lock), never deletes them.
                "description": "Only break-glass principals and the deployers change what protects backups",
                "denyRule": {
                    "deniedPrincipals": ["principalSet://goog/public:all"],
                    "exceptionPrincipals": BREAK_GLASS_AND_DEPLOYER,
                    "deniedPermissions": PROTECTION,
                },
            },
            {
                # A destroyed or disabled key version crypto-shreds the locked copy; the deployer never needs either.
                "description": "Only break-glass principals destroy or disable key versions",
                "denyRule": {
                    "deniedPrincipals": ["principalSet://goog/public:all"],
                    "exceptionPrincipals": ONLY_BREAK_GLASS,
                    "deniedPermissions": KEY_DESTRUCTION,
                },
            },
            {
                # Every new bucket's `pulumi up` grants its key to Cloud Storage's service agent: the deployer is spared.
                "description": "Only break-glass principals and the deployers change who may use the keys",
                "denyRule": {
                    "deniedPrincipals": ["principalSet://goog/public:all"],
                    "exceptionPrincipals": BREAK_GLASS_AND_DEPLOYER,
                    "deniedPermissions": KEY_ACCESS,
                },
            },
            {
                "description": "Only break-glass principals delete or move the backup project",
                "denyRule": {
                    "deniedPrincipals": ["principalSet://goog/public:all"],
                    "exceptionPrincipals": ONLY_BREAK_GLASS,
                    "deniedPermissions": PROJECT_REMOVAL,
                },
            },
        ],
    }
    assert deny["protect"] and deny["lands_in"] == WHERE
    # Deny conditions accept only tags; this rule has none, so it covers every bucket under the folder.
    assert all("denialCondition" not in rule["denyRule"] for rule in deny["inputs"]["rules"])


def test_exactly_six_organization_policies_and_one_deny_policy_and_the_outputs_name_them(plan):
    gcp_types = sorted(r["type"] for r in resources(plan) if r["type"].startswith("gcp:"))
    assert gcp_types == [DENY_POLICY] + [ORG_POLICY] * 6
    constraints = [
        "iam.disableServiceAccountKeyCreation",
        "storage.publicAccessPrevention",
        "storage.uniformBucketLevelAccess",
        "storage.retentionPolicySeconds",
        "gcp.resourceLocations",
        "iam.allowedPolicyMemberDomains",
    ]
    component = one(plan, "hardened:index:FolderGuardrails")
    assert component["outputs"] == {
        "denyPolicyName": "guardrails-backup-destruction",
        "policyNames": [f"{FOLDER}/policies/{c}" for c in constraints],
    }
    assert all(r["parent"] == component["urn"] for r in resources(plan) if r["type"].startswith("gcp:"))


def test_a_folder_created_in_the_same_program_is_guarded_once_it_exists():
    plan = run_guardrails({}, folder_from_program=True)
    folder = one(plan, "gcp:organizations/folder:Folder")["outputs"]["name"]
    number = folder.removeprefix("folders/")
    assert one(plan, DENY_POLICY)["inputs"]["parent"] == f"cloudresourcemanager.googleapis.com%2Ffolders%2F{number}"
    assert org_policy(plan, "gcp.resourceLocations")["inputs"]["name"] == f"{folder}/policies/gcp.resourceLocations"
    assert org_policy(plan, "gcp.resourceLocations")["inputs"]["parent"] == folder


def test_the_documents_are_pure_and_literal():
    assert deny_policies.deny_backup_destruction(["principalSet://goog/group/bg@acme.example"]) == {
        "description": "Only break-glass principals delete backups",
        "deny_rule": {
            "denied_principals": ["principalSet://goog/public:all"],
            "exception_principals": ["principalSet://goog/group/bg@acme.example"],
            "denied_permissions": DESTRUCTION,
        },
    }
    assert deny_policies.deny_backup_protection_changes(["principalSet://goog/group/bg@acme.example"], [DEPLOYER])[
        "deny_rule"
    ] == {
        "denied_principals": ["principalSet://goog/public:all"],
        "exception_principals": [DEPLOYER, "principalSet://goog/group/bg@acme.example"],
        "denied_permissions": PROTECTION,
    }
    assert deny_policies.deny_key_destruction(["principalSet://goog/group/bg@acme.example"]) == {
        "description": "Only break-glass principals destroy or disable key versions",
        "deny_rule": {
            "denied_principals": ["principalSet://goog/public:all"],
            "exception_principals": ["principalSet://goog/group/bg@acme.example"],
            "denied_permissions": KEY_DESTRUCTION,
        },
    }
    assert deny_policies.deny_key_access_changes(["principalSet://goog/group/bg@acme.example"], [DEPLOYER]) == {
        "description": "Only break-glass principals and the deployers change who may use the keys",
        "deny_rule": {
            "denied_principals": ["principalSet://goog/public:all"],
            "exception_principals": [DEPLOYER, "principalSet://goog/group/bg@acme.example"],
            "denied_permissions": KEY_ACCESS,
        },
    }
    assert deny_policies.deny_project_removal(["principalSet://goog/group/bg@acme.example"]) == {
        "description": "Only break-glass principals delete or move the backup project",
        "deny_rule": {
            "denied_principals": ["principalSet://goog/public:all"],
            "exception_principals": ["principalSet://goog/group/bg@acme.example"],
            "denied_permissions": PROJECT_REMOVAL,
        },
    }
    assert deny_policies.folder_deny_policy_parent("folders/42") == "cloudresourcemanager.googleapis.com%2Ffolders%2F42"
    assert org_policies.retention_periods([7, 7, 1]) == {
        "inherit_from_parent": False,
        "rules": [{"values": {"allowed_values": [str(DAY), str(7 * DAY)]}}],
    }
    assert (
        org_policies.no_service_account_keys()
        == org_policies.no_public_buckets()
        == org_policies.uniform_bucket_access()
        == ENFORCED
    )
    assert list(org_policies.folder_policy_specs([1], ["us"], ["C0abcdef"])) == [
        "iam.disableServiceAccountKeyCreation",
        "storage.publicAccessPrevention",
        "storage.uniformBucketLevelAccess",
        "storage.retentionPolicySeconds",
        "gcp.resourceLocations",
        "iam.allowedPolicyMemberDomains",
    ]


def test_the_folder_rules_are_the_five_documents_in_order_and_within_googles_limit():
    rules = deny_policies.folder_deny_rules(["principalSet://goog/group/bg@acme.example"], [DEPLOYER])
    assert rules == [
        deny_policies.deny_backup_destruction(["principalSet://goog/group/bg@acme.example"]),
        deny_policies.deny_backup_protection_changes(["principalSet://goog/group/bg@acme.example"], [DEPLOYER]),
        deny_policies.deny_key_destruction(["principalSet://goog/group/bg@acme.example"]),
        deny_policies.deny_key_access_changes(["principalSet://goog/group/bg@acme.example"], [DEPLOYER]),
        deny_policies.deny_project_removal(["principalSet://goog/group/bg@acme.example"]),
    ]
    assert len(rules) <= deny_policies.MAX_DENY_RULES_PER_RESOURCE == 500


def test_the_deployer_escapes_no_rule_that_destroys_and_every_permission_is_in_the_v2_form():
    rules = {
        r["description"]: r["deny_rule"]
        for r in deny_policies.folder_deny_rules(["principalSet://goog/group/bg@acme.example"], [DEPLOYER])
    }
    spared = sorted(d for d, rule in rules.items() if DEPLOYER in rule["exception_principals"])
    assert spared == [
        "Only break-glass principals and the deployers change what protects backups",
        "Only break-glass principals and the deployers change who may use the keys",
    ]
    permissions = [p for rule in rules.values() for p in rule["denied_permissions"]]
    assert all(re.fullmatch(r"[a-z]+\.googleapis\.com/[A-Za-z]+\.[A-Za-z]+", p) for p in permissions), permissions
    assert len(set(permissions)) == len(permissions) == 12
    # Left out until confirmed on Google's supported list: one unsupported permission fails the whole policy.
    assert not [
        p
        for p in permissions
        if p.startswith(("storagetransfer.", "backupdr.")) or p.endswith("cryptoKeyVersions.restore")
    ]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: deny_policies.deny_backup_destruction([]), "exception principals"),
        (lambda: deny_policies.deny_key_destruction([]), "exception principals"),
        (lambda: deny_policies.deny_project_removal(["principalSet://goog/public:all"]), "public:all"),
        (
            lambda: deny_policies.deny_key_access_changes(
                [], ["principal://iam.googleapis.com/projects/-/serviceAccounts/*"]
            ),
            "serviceAccounts/*",
        ),
        (lambda: deny_policies.deny_backup_destruction(["principalSet://goog/public:all"]), "public:all"),
        (lambda: deny_policies.deny_backup_destruction(["principalSet://goog/group/*"]), "group/*"),
        (
            lambda: deny_policies.deny_backup_protection_changes(
                [], ["principal://iam.googleapis.com/projects/-/serviceAccounts/*"]
            ),
            "serviceAccounts/*",
        ),
        (lambda: deny_policies.folder_deny_policy_parent("123"), "folders/NUMBER"),
        (lambda: org_policies.retention_periods([]), "at least one"),
        (lambda: org_policies.retention_periods([36526]), "36525"),
        (lambda: org_policies.resource_locations(["in:eu"]), "in:eu"),
        (lambda: org_policies.member_domains(["acme.example"]), "acme.example"),
    ],
)
def test_the_documents_refuse_what_they_cannot_express(call, message):
    with pytest.raises(ValueError, match=message.replace("*", r"\*")):
        call()


@pytest.mark.parametrize(
    ("overrides", "argument", "problem"),
    [
        ({"folder_id": "123456789012"}, "folder_id", "folders/NUMBER (got '123456789012')"),
        ({"folder_id": "organizations/123"}, "folder_id", "folders/NUMBER"),
        ({"folder_id": None}, "folder_id", "folders/NUMBER (got None)"),
        ({"allowed_locations": []}, "allowed_locations", "one or more value groups"),
        ({"allowed_locations": ["europe west3"]}, "allowed_locations", "(got ['europe west3'])"),
        (
            {"allowed_locations": "in:eu-locations"},
            "allowed_locations",
            "takes a list, not a str (got 'in:eu-locations')",
        ),
        ({"allowed_customer_ids": ["acme.example"]}, "allowed_customer_ids", "customer ids like C0xxxxxxx"),
        ({"allowed_customer_ids": []}, "allowed_customer_ids", "(got [])"),
        ({"retention_days": [0]}, "retention_days", "from 1 to 36525 (got [0])"),
        ({"retention_days": [30.5]}, "retention_days[0]", "takes a whole number, not float (got 30.5)"),
        ({"retention_days": [True]}, "retention_days[0]", "takes a whole number, not bool (got True)"),
        ({"retention_days": []}, "retention_days", "one or more whole numbers"),
        ({"break_glass_principals": []}, "break_glass_principals", "at least one exact principal"),
        (
            {"break_glass_principals": ["principalSet://goog/public:all"]},
            "break_glass_principals",
            "never a wildcard, domain or everyone",
        ),
        ({"break_glass_principals": ["principalSet://goog/group/*"]}, "break_glass_principals", "group/*"),
        (
            {"break_glass_principals": ["principal://goog/subject/*@acme.example"]},
            "break_glass_principals",
            "principal://goog/subject/EMAIL",
        ),
        # The v1 form of allow policies is not a deny-policy principal.
        (
            {"break_glass_principals": ["user:alice@acme.example"]},
            "break_glass_principals",
            "(got ['user:alice@acme.example'])",
        ),
        (
            {"break_glass_principals": ["principalSet://goog/cloudIdentityCustomerId/C03xyz7ab"]},
            "break_glass_principals",
            "cloudIdentityCustomerId",
        ),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(overrides, argument, problem):
    registered = {}
    with pytest.raises(ComponentArgumentError) as raised:
        run_guardrails(overrides, registered)
    assert str(raised.value).startswith(f"FolderGuardrails 'guardrails': argument '{argument}' ")
    assert problem in str(raised.value)
    assert [r.type for r in registered.values() if not r.type.startswith("pulumi:")] == []


def test_a_name_that_makes_no_deny_policy_id_is_refused():
    registered = {}

    def program():
        FolderGuardrails("Backup_Guardrails", ARGS)

    with pytest.raises(ComponentArgumentError) as raised:
        run_program(program, project=PROJECT, stack="test", registrations=registered)
    assert str(raised.value).startswith("FolderGuardrails 'Backup_Guardrails': argument 'name' ")
    assert "'Backup_Guardrails-backup-destruction'" in str(raised.value)
    assert [r.type for r in registered.values() if not r.type.startswith("pulumi:")] == []
