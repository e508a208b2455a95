"""Adopting what exists: member accounts (accountId), organizational units (organization.organizationalUnits), and
at GCP the backup folder (gcp.backupFolderId) and project (gcp.adoptBackupProject).

The organization stack's file is rewritten in a temporary copy of the project so that every account and unit is
adopted: the plan shows an `import` id on each, no account or unit is planned without one, and the ids flow into the
providers that deploy into the accounts. Bad adoption configs are refused by `hardened plan` with exit 2, naming the
stack file and the key.
"""

import json
import shutil
from pathlib import Path

import jsonschema
import pytest
import yaml

from hardened_tools.cli import main

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = "hardened-accounts"
SCHEMA = json.loads((ROOT / "tools/hardened_tools/plan/plan.schema.json").read_text())
ACCOUNT_TYPE = "aws:organizations/account:Account"
UNIT_TYPE = "aws:organizations/organizationalUnit:OrganizationalUnit"
FOLDER_TYPE = "gcp:organizations/folder:Folder"
PROJECT_TYPE = "gcp:organizations/project:Project"
FOLDER = "folders/987654321098"
UNITS = {
    "Security": "ou-a1b2-11111111",
    "Backup": "ou-a1b2-22222222",
    "Workloads": "ou-a1b2-33333333",
}


@pytest.fixture
def project(tmp_path) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path)
    shutil.copytree(ROOT / "stacks", tmp_path / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def _org_config() -> dict:
    return yaml.safe_load((ROOT / "stacks" / "Pulumi.org.yaml").read_text())


def _adopted_ids(config: dict) -> dict[str, str]:
    """Give every member account of the shipped org stack an accountId; the ids by account key."""
    accounts = config["config"][f"{NAMESPACE}:accounts"]
    ids: dict[str, str] = {}
    keys = [key for key in accounts if key != "workloads"] + [f"workloads.{env}" for env in accounts["workloads"]]
    for number, key in enumerate(keys, start=1):
        spec = accounts["workloads"][key.split(".", 1)[1]] if key.startswith("workloads.") else accounts[key]
        spec["accountId"] = f"{400000000000 + number}"
        ids[key] = spec["accountId"]
    return ids


def _write(project: Path, config: dict) -> None:
    (project / "stacks" / "Pulumi.org.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def _plan(project: Path, capsys, fmt: str = "json") -> str:
    code = main(["plan", "--stack", "org", "--project-dir", str(project), "--format", fmt])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_adopted_accounts_and_units_are_imported_and_nothing_is_created(project, capsys):
    config = _org_config()
    ids = _adopted_ids(config)
    config["config"][f"{NAMESPACE}:organization"]["organizationalUnits"] = dict(UNITS)
    _write(project, config)
    plan = json.loads(_plan(project, capsys))
    # The `import` key is optional in the schema: version 1 still describes the document.
    jsonschema.Draft202012Validator(SCHEMA).validate(plan)
    assert plan["schema_version"] == 1

    accounts = [r for r in plan["resources"] if r["type"] == ACCOUNT_TYPE]
    assert sorted(r.get("import") for r in accounts) == sorted(ids.values())
    assert [r["name"] for r in accounts if "import" not in r] == [], "an account would be created"
    for account in accounts:
        # The account keeps its id; Pulumi can neither delete it nor close it.
        assert account["id"] == account["import"]
        assert account["protect"] and account["retain_on_delete"]
        assert account["inputs"]["closeOnDeletion"] is False

    units = {r["inputs"]["name"]: r for r in plan["resources"] if r["type"] == UNIT_TYPE}
    assert {name: unit.get("import") for name, unit in units.items()} == UNITS
    # Each account's unit is the adopted one, so the import does not move it.
    assert {r["inputs"]["parentId"] for r in accounts} <= set(UNITS.values())

    # Only accounts and units are imported: everything else the stack declares is new, and says nothing of import.
    imported = {r["type"] for r in plan["resources"] if "import" in r}
    assert imported == {ACCOUNT_TYPE, UNIT_TYPE}

    # The providers into the adopted accounts are pinned to the adopted ids.
    pinned = {
        account
        for r in plan["resources"]
        if r["type"] == "pulumi:providers:aws"
        for account in (r["inputs"].get("allowedAccountIds") or [])
    }
    assert set(ids.values()) <= pinned


def test_the_text_and_markdown_plans_show_the_imports(project, capsys):
    config = _org_config()
    ids = _adopted_ids(config)
    _write(project, config)
    text = _plan(project, capsys, "text")
    markdown = _plan(project, capsys, "markdown")
    for account_id in ids.values():
        assert f"import: {account_id}" in text
        assert f"(import `{account_id}`)" in markdown or f"import: {account_id}" in markdown


def test_a_partly_adopted_organization_creates_only_what_is_new(project, capsys):
    config = _org_config()
    config["config"][f"{NAMESPACE}:accounts"]["workloads"]["prod"]["accountId"] = "400000000001"
    _write(project, config)
    plan = json.loads(_plan(project, capsys))
    imported = [r["inputs"]["name"] for r in plan["resources"] if r["type"] == ACCOUNT_TYPE and "import" in r]
    assert imported == [config["config"][f"{NAMESPACE}:accounts"]["workloads"]["prod"]["name"]]
    assert not [r for r in plan["resources"] if r["type"] == UNIT_TYPE and "import" in r]


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (lambda accounts, org: accounts["workloads"]["prod"].update(accountId="12345"), "accountId", "\\d{12}"),
        (lambda accounts, org: accounts["backup"].update(accountId=123456789012), "accountId", ""),
        (
            lambda accounts, org: (
                accounts["backup"].pop("email") and accounts["backup"].update(accountId="400000000001")
            ),
            "email",
            "",
        ),
        (
            lambda accounts, org: (
                accounts["backup"].update(accountId="400000000001"),
                accounts["security"].update(accountId="400000000001"),
            ),
            "accounts",
            "400000000001",
        ),
        (lambda accounts, org: org.update(organizationalUnits={"Backup": "o-abc"}), "organizationalUnits", ""),
        (lambda accounts, org: org.update(organizationalUnits={"Sandbox": UNITS["Backup"]}), "organizationalUnits", ""),
    ],
    ids=["short-id", "unquoted-id", "no-email", "same-id-twice", "bad-unit-id", "unknown-unit"],
)
def test_bad_adoption_configs_are_refused_naming_file_and_key(project, capsys, change, key, problem):
    config = _org_config()
    change(config["config"][f"{NAMESPACE}:accounts"], config["config"][f"{NAMESPACE}:organization"])
    _write(project, config)
    code = main(["plan", "--stack", "org", "--project-dir", str(project)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), err
    assert err.startswith("error: ") and "Traceback" not in err
    assert "Pulumi.org.yaml" in err and key in err and problem in err


# --- GCP: the backup folder and project ---------------------------------------------------------------------------


def _gcp(config: dict) -> dict:
    return config["config"][f"{NAMESPACE}:gcp"]


def test_an_adopted_gcp_folder_and_project_are_imported_and_neither_is_created(project, capsys):
    config = _org_config()
    _gcp(config).update(backupFolderId=FOLDER, adoptBackupProject=True, backupProjectName="Acme backups")
    _write(project, config)
    plan = json.loads(_plan(project, capsys))
    jsonschema.Draft202012Validator(SCHEMA).validate(plan)
    project_id = _gcp(config)["backupProjectId"]

    (folder,) = [r for r in plan["resources"] if r["type"] == FOLDER_TYPE]
    (backup_project,) = [r for r in plan["resources"] if r["type"] == PROJECT_TYPE]
    # The provider imports a folder by folders/NUMBER, a project by its project id (never its number).
    assert folder["import"] == folder["id"] == FOLDER
    assert backup_project["import"] == backup_project["id"] == project_id
    # What the import must find: the folder under the organization with its name, the project in that folder with
    # its name and billing account; and nothing that would let Pulumi delete either.
    assert folder["inputs"] == {
        "deletionProtection": True,
        "displayName": _gcp(config)["backupFolderName"],
        "parent": f"organizations/{_gcp(config)['organizationId']}",
    }
    assert backup_project["inputs"] == {
        "autoCreateNetwork": False,
        "billingAccount": _gcp(config)["billingAccount"],
        "deletionPolicy": "PREVENT",
        "folderId": FOLDER.removeprefix("folders/"),
        "labels": {},
        "name": "Acme backups",
        "projectId": project_id,
    }
    for adopted in (folder, backup_project):
        assert adopted["protect"] and adopted["retain_on_delete"]

    # Only the folder and project are imported at GCP (no account or unit either: this config adopts none).
    assert {r["type"] for r in plan["resources"] if "import" in r} == {FOLDER_TYPE, PROJECT_TYPE}
    # The guardrails and the folder's audit sink attach to the adopted folder, and the environments read it.
    parents = [r["inputs"]["parent"] for r in plan["resources"] if r["type"] == "gcp:orgpolicy/policy:Policy"]
    # (one policy lifts the legacy domain list in the project itself, after the folder's holds)
    assert {p for p in parents if not p.startswith("projects/")} == {FOLDER} and parents.count(FOLDER) > 1
    (sink,) = [r for r in plan["resources"] if r["type"] == "gcp:logging/folderSink:FolderSink"]
    assert sink["inputs"]["folder"] == FOLDER
    assert plan["outputs"]["gcp"]["folderId"] == FOLDER
    assert plan["outputs"]["gcp"]["projectId"] == project_id


def test_the_text_plan_shows_the_gcp_imports(project, capsys):
    config = _org_config()
    _gcp(config).update(backupFolderId=FOLDER, adoptBackupProject=True)
    _write(project, config)
    text = _plan(project, capsys, "text")
    assert f"import: {FOLDER}" in text
    assert f"import: {_gcp(config)['backupProjectId']}" in text


def test_an_adopted_folder_alone_gets_a_new_project_in_it(project, capsys):
    config = _org_config()
    _gcp(config)["backupFolderId"] = FOLDER
    _write(project, config)
    plan = json.loads(_plan(project, capsys))
    (backup_project,) = [r for r in plan["resources"] if r["type"] == PROJECT_TYPE]
    assert "import" not in backup_project
    assert backup_project["inputs"]["folderId"] == FOLDER.removeprefix("folders/")
    assert backup_project["inputs"]["name"] == _gcp(config)["backupProjectId"]  # backupProjectName's default
    assert [r["type"] for r in plan["resources"] if "import" in r] == [FOLDER_TYPE]


def test_the_shipped_org_stack_adopts_nothing_at_gcp(project, capsys):
    plan = json.loads(_plan(project, capsys))
    assert [r["name"] for r in plan["resources"] if "import" in r] == []


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (lambda gcp: gcp.update(backupFolderId="987654321098"), "backupFolderId", "folders/"),
        (lambda gcp: gcp.update(backupFolderId="folders/abc"), "backupFolderId", "folders/abc"),
        (lambda gcp: gcp.update(backupFolderId="organizations/123456789012"), "backupFolderId", "folders/"),
        (lambda gcp: gcp.update(backupFolderId=987654321098), "backupFolderId", ""),
        (lambda gcp: gcp.update(adoptBackupProject="acme-backups-7d3f"), "adoptBackupProject", ""),
        (lambda gcp: gcp.update(adoptBackupProject=True), "gcp", "adoptBackupProject needs backupFolderId"),
        (lambda gcp: gcp.update(backupProjectName="ab"), "backupProjectName", "4 to 30"),
        (lambda gcp: gcp.update(backupFolderID=FOLDER), "backupFolderID", ""),
    ],
    ids=[
        "folder-number-only",
        "folder-not-a-number",
        "folder-an-organization",
        "folder-unquoted",
        "adopt-not-a-boolean",
        "project-without-its-folder",
        "project-name-too-short",
        "misspelt-key",
    ],
)
def test_bad_gcp_adoption_configs_are_refused_naming_file_and_key(project, capsys, change, key, problem):
    config = _org_config()
    change(_gcp(config))
    _write(project, config)
    code = main(["plan", "--stack", "org", "--project-dir", str(project)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, ""), err
    assert err.startswith("error: ") and "Traceback" not in err
    assert "Pulumi.org.yaml" in err and "hardened-accounts:gcp" in err and key in err and problem in err
