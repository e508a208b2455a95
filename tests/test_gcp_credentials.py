"""The organization's GCP side is deployed as the configured deployer service account, never with ambient
credentials: both its providers impersonate `gcp.deployerServiceAccount`, the one principal the folder's deny policy
exempts as the deployer."""

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
