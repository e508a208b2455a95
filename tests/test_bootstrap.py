"""bootstrap/: the stack before all others, planned offline as `hardened plan --stack management --project-dir
bootstrap` plans it: the state bucket and the deployer role GitHub Actions assumes, in the management account only."""

import json
import shutil
from pathlib import Path

import pytest
from module_files import module_from_file

from hardened_tools.cli import main
from hardened_tools.plan import build_plan, find_project, run_stack

ROOT = Path(__file__).resolve().parents[1]
BOOTSTRAP = ROOT / "bootstrap"
MANAGEMENT = "999988887777"
GOOD = (BOOTSTRAP / "Pulumi.management.yaml").read_text()
OIDC_PROVIDER = f"arn:aws:iam::{MANAGEMENT}:oidc-provider/token.actions.githubusercontent.com"
DEPLOYER = f"arn:aws:iam::{MANAGEMENT}:role/hardened-deployer"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowGitHubActionsOnTheDeployBranch",
            "Effect": "Allow",
            "Principal": {"Federated": OIDC_PROVIDER},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                    "token.actions.githubusercontent.com:sub": "repo:acme/hardened-accounts:ref:refs/heads/main",
                }
            },
        },
        {
            "Sid": "AllowTheDeployerToAssumeItself",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{MANAGEMENT}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": DEPLOYER}},
        },
    ],
}


def _deployer_trust():
    return module_from_file("bootstrap_deployer_trust", BOOTSTRAP / "deployer_trust.py")


@pytest.fixture(scope="module")
def plan() -> dict:
    return build_plan(run_stack(find_project(BOOTSTRAP), "management"))


def of_type(plan: dict, type_: str) -> list[dict]:
    return [r for r in plan["resources"] if r["type"] == type_]


def test_bootstrap_is_its_own_project_next_to_the_stacks():
    project = find_project(BOOTSTRAP)
    assert project.name == "hardened-bootstrap" and project.root == BOOTSTRAP
    assert project.stacks() == ["management"]


def test_the_trust_document_admits_one_branch_of_one_repository_exactly():
    trust = _deployer_trust()
    assert trust.oidc_provider_arn(MANAGEMENT) == OIDC_PROVIDER
    assert trust.deployer_trust_of_the_deploy_branch(OIDC_PROVIDER, "acme/hardened-accounts", "main", DEPLOYER) == TRUST
    for repository, branch in [("acme", "main"), ("acme/*", "main"), ("acme/x", "*"), ("acme/x", "ma in")]:
        with pytest.raises(ValueError):
            trust.deploy_branch_subject(repository, branch)
    # GitHub's immutable subject: each name with its numeric id after an @.
    assert (
        trust.deploy_branch_subject("acme/hardened-accounts", "main", "123456", "456789")
        == "repo:acme@123456/hardened-accounts@456789:ref:refs/heads/main"
    )
    for owner_id, repository_id in [("123456", None), (None, "456789"), ("12a", "456789"), ("0", "1"), ("*", "1")]:
        with pytest.raises(ValueError):
            trust.deploy_branch_subject("acme/x", "main", owner_id, repository_id)


def test_a_repository_under_immutable_subject_claims_is_trusted_by_its_ids_alone(tmp_path):
    project = tmp_path / "bootstrap"
    shutil.copytree(BOOTSTRAP, project, ignore=shutil.ignore_patterns("__pycache__"))
    ids = '    branch: main\n    ownerId: "123456"\n    repositoryId: "456789"\n'
    (project / "Pulumi.management.yaml").write_text(GOOD.replace("    branch: main\n", ids))
    (role,) = of_type(build_plan(run_stack(find_project(project), "management")), "aws:iam/role:Role")
    web_identity = role["inputs"]["assumeRolePolicy"]["Statement"][0]
    assert web_identity["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": "repo:acme@123456/hardened-accounts@456789:ref:refs/heads/main",
        }
    }


def test_the_plan_declares_the_state_bucket_the_oidc_provider_and_the_deployer(plan):
    (bucket,) = of_type(plan, "aws:s3/bucket:Bucket")
    assert bucket["inputs"]["objectLockEnabled"] is True and bucket["protect"] and bucket["retain_on_delete"]
    (lock,) = of_type(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock["inputs"]["rule"] == {"defaultRetention": {"days": 30, "mode": "COMPLIANCE"}}
    assert [r["name"] for r in of_type(plan, "hardened:index:StateBucket")] == ["pulumi-state"]

    (oidc,) = of_type(plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert oidc["inputs"]["url"] == "https://token.actions.githubusercontent.com"
    assert oidc["inputs"]["clientIdLists"] == ["sts.amazonaws.com"]

    (role,) = of_type(plan, "aws:iam/role:Role")
    # The name the org stack's management.deploymentRoleArn and its memberRoleName use.
    assert role["inputs"]["name"] == "hardened-deployer" and role["protect"]
    assert role["inputs"]["assumeRolePolicy"] == TRUST
    (attachment,) = of_type(plan, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert attachment["inputs"] == {
        "policyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
        "role": "hardened-deployer",
    }
    assert plan["outputs"]["deploymentRoleArn"] == DEPLOYER
    assert plan["outputs"]["oidcProviderArn"] == OIDC_PROVIDER


def test_the_deployer_name_is_the_one_the_org_stack_assumes(plan):
    org = (ROOT / "stacks/Pulumi.org.yaml").read_text()
    role_arn = plan["outputs"]["deploymentRoleArn"]
    assert f"deploymentRoleArn: {role_arn}" in org


def test_only_the_deployer_uses_the_stack_secrets_key(plan):
    (key,) = [r for r in plan["resources"] if r["name"] == "pulumi-state-secrets-key"]
    statements = {s["Sid"]: s for s in key["inputs"]["policy"]["Statement"]}
    assert statements["AllowDeployersToEncryptStackSecrets"]["Principal"] == {"AWS": [DEPLOYER]}


def test_nothing_lands_outside_the_management_account(plan):
    landed = [r for r in plan["resources"] if r.get("lands_in")]
    assert landed and {r["lands_in"]["account"] for r in landed} == {MANAGEMENT}
    (provider,) = of_type(plan, "pulumi:providers:aws")
    assert provider["inputs"]["allowedAccountIds"] == [MANAGEMENT]


def test_the_cli_plans_it(capsys):
    code = main(["plan", "--stack", "management", "--project-dir", str(BOOTSTRAP), "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["stack"] == "management"


@pytest.mark.parametrize(
    ("replace", "by", "names"),
    [
        (
            "    repository: acme/hardened-accounts\n",
            "",
            ["bootstrap/Pulumi.bad.yaml", "'hardened-bootstrap:ci.repository' is required"],
        ),
        (
            'accountId: "999988887777"',
            'accountId: "99998888777"',
            ["bootstrap/Pulumi.bad.yaml", "'hardened-bootstrap:management.accountId'", "12-digit"],
        ),
        (
            "branch: main",
            "branch: '*'",
            ["bootstrap/Pulumi.bad.yaml", "'hardened-bootstrap:ci.branch'", "no wildcards"],
        ),
        (
            "    branch: main\n",
            '    branch: main\n    ownerId: "123456"\n',
            ["bootstrap/Pulumi.bad.yaml", "'hardened-bootstrap:ci'", "ownerId and repositoryId come together"],
        ),
        (
            "    branch: main\n",
            '    branch: main\n    ownerId: "0123"\n    repositoryId: "456789"\n',
            ["bootstrap/Pulumi.bad.yaml", "'hardened-bootstrap:ci.ownerId'"],
        ),
        (
            "historyDays: 365",
            "historyDays: 10",
            ["bootstrap/Pulumi.bad.yaml", "'hardened-bootstrap:stateBucket'", "historyDays (10) is below"],
        ),
    ],
)
def test_bad_config_is_refused_naming_file_and_key(tmp_path, capsys, replace, by, names):
    project = tmp_path / "bootstrap"
    shutil.copytree(BOOTSTRAP, project, ignore=shutil.ignore_patterns("__pycache__"))
    assert replace in GOOD
    (project / "Pulumi.bad.yaml").write_text(GOOD.replace(replace, by))
    code = main(["plan", "--stack", "bad", "--project-dir", str(project)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    for name in names:
        assert name in err
    assert "Traceback" not in err
