"""GCP is deployed as the configured deployer service account, never with ambient credentials: the organization's two
providers impersonate `gcp.deployerServiceAccount`, the one principal the folder's deny policy exempts as the deployer,
and so does every environment stack's provider, which reads it from the organization's `gcp` export (one source: the
org stack's config)."""

import json
from pathlib import Path

from planning import resources, shipped_plan

from hardened_tools.plan.project import find_project, load_stack_file

ROOT = Path(__file__).resolve().parents[1]


def test_the_organization_s_gcp_providers_impersonate_the_configured_deployer():
    config, _ = load_stack_file(find_project(ROOT), "org")
    deployer = json.loads(config["hardened-accounts:gcp"])["deployerServiceAccount"]
    providers = {r["name"]: r["inputs"] for r in resources(shipped_plan("org"), "pulumi:providers:gcp")}
    assert providers == {
        "org-gcp": {"impersonateServiceAccount": deployer, "region": "us-east4"},
        "org-gcp-backup-project": {
            "impersonateServiceAccount": deployer,
            "project": "acme-backups-7d3f",
            "region": "us-east4",
        },
    }


def _deployer() -> str:
    config, _ = load_stack_file(find_project(ROOT), "org")
    return json.loads(config["hardened-accounts:gcp"])["deployerServiceAccount"]


def test_the_organization_exports_its_deployer_for_the_environments():
    assert shipped_plan("org")["outputs"]["gcp"]["deployerServiceAccount"] == _deployer()


def test_an_environment_s_gcp_provider_impersonates_the_organization_s_deployer():
    # prod is the shipped stack with a third copy at GCP; dev and staging declare no GCP provider at all.
    organization = shipped_plan("org")["outputs"]["gcp"]
    providers = {r["name"]: r for r in resources(shipped_plan("prod"), "pulumi:providers:gcp")}
    assert {name: p["inputs"] for name, p in providers.items()} == {
        "prod-gcp": {
            "impersonateServiceAccount": _deployer(),
            "project": organization["projectId"],
            "region": organization["region"],
        }
    }
    # Read from the organization stack's outputs, so known once org has run: never a value of prod's own config.
    assert "impersonateServiceAccount" in providers["prod-gcp"]["computed_inputs"]
    for stack in ("dev", "staging"):
        assert resources(shipped_plan(stack), "pulumi:providers:gcp") == []


def test_every_gcp_resource_of_an_environment_goes_through_that_provider():
    plan = shipped_plan("prod")
    (provider,) = resources(plan, "pulumi:providers:gcp")
    gcp_resources = [r for r in plan["resources"] if r["type"].startswith("gcp:")]
    assert gcp_resources, "prod keeps a third copy at GCP"
    assert {r["provider"] for r in gcp_resources} == {provider["urn"]}
