"""BackupProject: the exact inputs of the folder, project, lien and APIs, their options, outputs and bad arguments."""

import pulumi
import pulumi_gcp as gcp
import pytest
from planning import one, plan_of, refusal, resources

from hardened.gcp.backup_project import BackupProject

BACKUP_PROJECT = "acme-backups"
GCP_REGION = "europe-west3"
ORGANIZATION = "123456789012"
BILLING = "01AB23-45CD67-89EF01"
FOLDER = "gcp:organizations/folder:Folder"
GCP_PROJECT = "gcp:organizations/project:Project"
LIEN = "gcp:resourcemanager/lien:Lien"
SERVICE = "gcp:projects/service:Service"
DEFAULT_SERVICES = [
    "backupdr.googleapis.com",
    "cloudkms.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "privilegedaccessmanager.googleapis.com",
    "storage.googleapis.com",
    "storagetransfer.googleapis.com",
]
ARGS = {
    "organization_id": ORGANIZATION,
    "billing_account": BILLING,
    "project_id": BACKUP_PROJECT,
    "folder_display_name": "Backups",
}


def project_plan(**overrides) -> dict:
    args = ARGS | overrides

    def program():
        provider = gcp.Provider("backup-project", project=BACKUP_PROJECT, region=GCP_REGION)
        BackupProject("backup", args, opts=pulumi.ResourceOptions(provider=provider))

    return plan_of(program)


@pytest.fixture(scope="module")
def plan() -> dict:
    return project_plan(project_name="Acme backups", labels={"purpose": "offsite-backups"})


def test_folder_sits_under_the_organization_and_refuses_deletion(plan):
    folder = one(plan, FOLDER)
    assert folder["name"] == "backup-folder"
    assert folder["inputs"] == {
        "deletionProtection": True,
        "displayName": "Backups",
        "parent": f"organizations/{ORGANIZATION}",
    }


def test_project_sits_in_the_folder_without_a_default_network_and_refuses_deletion(plan):
    project = one(plan, GCP_PROJECT)
    assert project["name"] == "backup-project"
    assert project["inputs"] == {
        "autoCreateNetwork": False,
        "billingAccount": BILLING,
        "deletionPolicy": "PREVENT",
        "folderId": one(plan, FOLDER)["outputs"]["folderId"],
        "labels": {"purpose": "offsite-backups"},
        "name": "Acme backups",
        "projectId": BACKUP_PROJECT,
    }
    assert "orgId" not in project["inputs"]  # a project has one parent: the folder
    assert one(plan, FOLDER)["urn"] in project["depends_on"]


def test_a_lien_refuses_the_projects_deletion_to_everyone(plan):
    lien = one(plan, LIEN)
    project = one(plan, GCP_PROJECT)
    assert lien["name"] == "backup-lien"
    assert lien["inputs"] == {
        "origin": "hardened-accounts",
        "parent": f"projects/{project['outputs']['number']}",
        "reason": "Holds the off-site backup copies; remove this lien deliberately before deleting the project.",
        "restrictions": ["resourcemanager.projects.delete"],
    }
    assert project["outputs"]["number"].isdigit()
    assert project["urn"] in lien["depends_on"]


def test_the_backup_apis_are_enabled_and_never_disabled_by_pulumi(plan):
    services = resources(plan, SERVICE)
    assert sorted(s["inputs"]["service"] for s in services) == DEFAULT_SERVICES
    for service in services:
        assert service["inputs"] == {
            "disableDependentServices": False,
            "disableOnDestroy": False,
            "project": BACKUP_PROJECT,
            "service": service["inputs"]["service"],
        }
        assert service["name"] == f"backup-{service['inputs']['service'].removesuffix('.googleapis.com')}"
        assert one(plan, GCP_PROJECT)["urn"] in service["depends_on"]


def test_pulumi_can_delete_neither_folder_project_nor_lien_and_all_land_through_the_provider(plan):
    component = one(plan, "hardened:index:BackupProject")
    for resource in resources(plan):
        if not resource["type"].startswith("gcp:"):
            continue
        guarded = resource["type"] in (FOLDER, GCP_PROJECT, LIEN)
        assert resource["protect"] is guarded and resource["retain_on_delete"] is guarded, resource["name"]
        assert resource["parent"] == component["urn"]
        assert resource["provider"] == one(plan, "pulumi:providers:gcp")["urn"]
        assert resource["lands_in"] == {"cloud": "gcp", "project": BACKUP_PROJECT, "region": GCP_REGION}


def test_outputs_name_the_folder_and_the_project(plan):
    folder, project = one(plan, FOLDER), one(plan, GCP_PROJECT)
    outputs = one(plan, "hardened:index:BackupProject")["outputs"]
    assert outputs == {
        "folderId": folder["outputs"]["name"],
        "projectId": BACKUP_PROJECT,
        "projectNumber": project["outputs"]["number"],
    }
    assert outputs["folderId"] == f"folders/{folder['outputs']['folderId']}"


def test_project_name_defaults_to_the_project_id_and_services_can_be_replaced():
    plan = project_plan(services=["storage.googleapis.com", "cloudkms.googleapis.com"])
    assert one(plan, GCP_PROJECT)["inputs"]["name"] == BACKUP_PROJECT
    assert one(plan, GCP_PROJECT)["inputs"]["labels"] == {}
    assert sorted(s["name"] for s in resources(plan, SERVICE)) == ["backup-cloudkms", "backup-storage"]


@pytest.mark.parametrize(
    ("overrides", "argument", "problem"),
    [
        ({"organization_id": "organizations/123456789012"}, "organization_id", "digits only"),
        ({"organization_id": "0123"}, "organization_id", "(got '0123')"),
        ({"organization_id": 123456789012}, "organization_id", "takes a string, not int (got 123456789012)"),
        ({"billing_account": "01ab23-45cd67-89ef01"}, "billing_account", "upper-case hexadecimal"),
        ({"billing_account": "01AB23-45CD67"}, "billing_account", "01AB23-45CD67-89EF01"),
        ({"billing_account": "billingAccounts/01AB23-45CD67-89EF01"}, "billing_account", "(got 'billingAccounts/"),
        ({"project_id": "acme"}, "project_id", "6 to 30"),
        ({"project_id": "a" * 31}, "project_id", "6 to 30"),
        ({"project_id": "1acme-backups"}, "project_id", "start with a letter"),
        ({"project_id": "acme-backups-"}, "project_id", "not end in '-'"),
        ({"project_id": "Acme-Backups"}, "project_id", "lower-case"),
        ({"project_id": "acme_backups"}, "project_id", "(got 'acme_backups')"),
        ({"project_id": "google-backups"}, "project_id", "google, null, undefined, ssl"),
        ({"project_id": "acme-ssl-backups"}, "project_id", "none of"),
        ({"folder_display_name": ""}, "folder_display_name", "at most 30"),
        ({"folder_display_name": "Backups!"}, "folder_display_name", "(got 'Backups!')"),
        ({"folder_display_name": "-Backups"}, "folder_display_name", "starting and ending with a letter or digit"),
        ({"folder_display_name": "B" * 31}, "folder_display_name", "at most 30"),
        ({"project_name": "abc"}, "project_name", "4 to 30"),
        ({"project_name": "acme_backups"}, "project_name", "(got 'acme_backups')"),
        ({"services": []}, "services", "non-empty list"),
        ({"services": "storage.googleapis.com"}, "services", "takes a list, not a str (got 'storage.googleapis.com')"),
        ({"services": ["storage"]}, "services", "such as storage.googleapis.com (got 'storage')"),
        (
            {"services": ["storage.googleapis.com", "storage.googleapis.com"]},
            "services",
            "once (got 'storage.googleapis.com' twice)",
        ),
        ({"labels": {"purpose": "Offsite"}}, "labels", "lower-case"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_declared(overrides, argument, problem):
    args = ARGS | overrides
    message, declared = refusal(lambda: BackupProject("backup", args))
    assert message.startswith(f"BackupProject 'backup': argument '{argument}' ")
    assert problem in message
    assert declared == ["pulumi:pulumi:Stack"]


# --- adopting an existing folder and project ------------------------------------------------------------------

ADOPTED_FOLDER = "folders/987654321098"


@pytest.fixture
def project_options(monkeypatch) -> list[pulumi.ResourceOptions]:
    """The options each gcp.organizations.Project is declared with (the plan does not record ignore_changes)."""
    declared: list[pulumi.ResourceOptions] = []

    class Recorded(gcp.organizations.Project):
        def __init__(self, resource_name, *args, opts=None, **kwargs):
            declared.append(opts)
            super().__init__(resource_name, *args, opts=opts, **kwargs)

    monkeypatch.setattr(gcp.organizations, "Project", Recorded)
    return declared


def test_nothing_is_imported_unless_asked(plan, project_options):
    assert [r["name"] for r in resources(plan) if "import" in r] == []
    project_plan()
    assert [(o.import_, o.ignore_changes) for o in project_options] == [(None, None)]


def test_an_adopted_folder_and_project_are_imported_by_their_ids_and_stay_guarded(project_options):
    plan = project_plan(folder_id=ADOPTED_FOLDER, adopt_project=True, project_name="Acme backups")
    folder, project = one(plan, FOLDER), one(plan, GCP_PROJECT)
    # The provider imports a folder by folders/NUMBER and a project by its project id (never its number).
    assert folder["import"] == folder["id"] == ADOPTED_FOLDER
    assert project["import"] == project["id"] == BACKUP_PROJECT
    # The same inputs as a created folder and project: the import reads the real ones and must find these.
    assert folder["inputs"] == {
        "deletionProtection": True,
        "displayName": "Backups",
        "parent": f"organizations/{ORGANIZATION}",
    }
    assert project["inputs"] == {
        "autoCreateNetwork": False,
        "billingAccount": BILLING,
        "deletionPolicy": "PREVENT",
        "folderId": "987654321098",
        "labels": {},
        "name": "Acme backups",
        "projectId": BACKUP_PROJECT,
    }
    # auto_create_network acts at creation only, and the provider imports every project with true.
    assert [o.ignore_changes for o in project_options] == [["autoCreateNetwork"]]
    for resource in (folder, project, one(plan, LIEN)):
        assert resource["protect"] and resource["retain_on_delete"], resource["name"]
    # The lien and the APIs are new resources in the adopted project; only the folder and project are imported.
    assert {r["type"] for r in resources(plan) if "import" in r} == {FOLDER, GCP_PROJECT}
    outputs = one(plan, "hardened:index:BackupProject")["outputs"]
    assert outputs["folderId"] == ADOPTED_FOLDER and outputs["projectId"] == BACKUP_PROJECT


def test_a_folder_can_be_adopted_alone_and_the_new_project_is_created_in_it():
    plan = project_plan(folder_id=ADOPTED_FOLDER)
    assert one(plan, FOLDER)["import"] == ADOPTED_FOLDER
    assert "import" not in one(plan, GCP_PROJECT)
    assert one(plan, GCP_PROJECT)["inputs"]["folderId"] == "987654321098"


@pytest.mark.parametrize(
    ("overrides", "argument", "problem"),
    [
        ({"folder_id": "987654321098"}, "folder_id", "folders/123456789012 (got '987654321098')"),
        ({"folder_id": "folders/"}, "folder_id", "folders/ and its number"),
        ({"folder_id": "organizations/123456789012"}, "folder_id", "(got 'organizations/123456789012')"),
        ({"folder_id": "folders/0123"}, "folder_id", "(got 'folders/0123')"),
        ({"folder_id": 987654321098}, "folder_id", "takes a string, not int"),
        ({"adopt_project": "yes"}, "adopt_project", "'yes'"),
    ],
)
def test_bad_adoption_arguments_are_refused_before_anything_is_declared(overrides, argument, problem):
    message, declared = refusal(lambda: BackupProject("backup", ARGS | overrides))
    assert message.startswith(f"BackupProject 'backup': argument '{argument}' ")
    assert problem in message
    assert declared == ["pulumi:pulumi:Stack"]
