"""`hardened deploy`: the order many stacks need (offline), and a clear stop where the Pulumi CLI is missing."""

import shutil
from pathlib import Path

import pytest

from hardened_tools.cli import main
from hardened_tools.fleet import FleetError, deployment_waves
from hardened_tools.plan import find_project

ROOT = Path(__file__).resolve().parents[1]


def test_the_organization_goes_first_then_every_environment_at_once():
    assert deployment_waves(find_project(ROOT)) == [["org"], ["dev", "prod", "staging"]]
    assert deployment_waves(find_project(ROOT), ["prod", "dev"]) == [["dev", "prod"]]


def fleet_project(tmp_path: Path, environments: int) -> Path:
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks/__main__.py").write_text("")
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "stacks/Pulumi.org.yaml").write_text("config:\n  hardened-accounts:kind: organization\n")
    for number in range(environments):
        (tmp_path / f"stacks/Pulumi.env{number:03}.yaml").write_text(
            "config:\n  hardened-accounts:kind: environment\n  hardened-accounts:organizationStack: acme/hardened-accounts/org\n"
        )
    return tmp_path


def test_two_hundred_environment_stacks_run_in_one_wave_after_the_organization(tmp_path):
    waves = deployment_waves(find_project(fleet_project(tmp_path, 200)))
    assert [len(wave) for wave in waves] == [1, 200] and waves[0] == ["org"]


def test_a_reference_cycle_is_refused(tmp_path):
    project = fleet_project(tmp_path, 0)
    (project / "stacks/Pulumi.org.yaml").write_text("config:\n  hardened-accounts:organizationStack: other\n")
    (project / "stacks/Pulumi.other.yaml").write_text("config:\n  hardened-accounts:organizationStack: org\n")
    with pytest.raises(FleetError, match="cycle: org, other"):
        deployment_waves(find_project(project))


def test_dry_run_prints_the_waves(capsys):
    assert main(["deploy", "--dry-run", "--project-dir", str(ROOT)]) == 0
    assert capsys.readouterr().out == "wave 1: org\nwave 2: dev, prod, staging\n"


@pytest.mark.skipif(shutil.which("pulumi") is not None, reason="the Pulumi CLI is installed here")
def test_without_the_pulumi_cli_deploy_stops_with_a_clear_error(capsys):
    assert main(["deploy", "--operation", "preview", "--project-dir", str(ROOT)]) == 2
    assert "`pulumi` is not on PATH" in capsys.readouterr().err


def test_an_unknown_stack_is_bad_input(capsys):
    assert main(["deploy", "--dry-run", "--stacks", "nope", "--project-dir", str(ROOT)]) == 2
    assert "no stack file for nope" in capsys.readouterr().err


@pytest.mark.slow
def test_an_environment_stack_gives_each_workload_of_a_fleet_the_same_baseline(tmp_path):
    """One stack file, three workload accounts: each gets its buckets, vaults and plan; the backup vault takes all three."""
    from hardened_tools.plan import build_plan, run_stack

    project = tmp_path / "project"
    shutil.copytree(ROOT / "stacks", project / "stacks", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    prod = (project / "stacks/Pulumi.prod.yaml").read_text()
    (project / "stacks/Pulumi.fleet.yaml").write_text(
        prod.replace("config:\n", "config:\n  hardened-accounts:workloads: [dev, staging, prod]\n")
    )
    plan = build_plan(run_stack(find_project(project), "fleet"))
    accounts = plan["outputs"]["workloads"]
    assert sorted(accounts) == ["dev", "prod", "staging"] and len({w["accountId"] for w in accounts.values()}) == 3
    plans = [r for r in plan["resources"] if r["type"] == "aws:backup/plan:Plan"]
    assert sorted(r["lands_in"]["account"] for r in plans) == sorted(w["accountId"] for w in accounts.values())
    shared = [
        r
        for r in plan["resources"]
        if r["type"] == "aws:backup/vaultPolicy:VaultPolicy" and r["name"].startswith("fleet-backup-vault")
    ]
    copy_sources = [
        s for s in shared[0]["inputs"]["policy"]["Statement"] if s.get("Sid") == "AllowCopiesFromWorkloadAccounts"
    ][0]
    assert sorted(copy_sources["Principal"]["AWS"]) == sorted(
        f"arn:aws:iam::{w['accountId']}:root" for w in accounts.values()
    )
    # One air-gapped vault for the stack, admitting copies from every workload of the fleet.
    air_gapped = [
        r
        for r in plan["resources"]
        if r["type"] == "aws:backup/vaultPolicy:VaultPolicy" and r["name"] == "fleet-air-gapped-vault-policy"
    ]
    air_gapped_sources = [
        s for s in air_gapped[0]["inputs"]["policy"]["Statement"] if s.get("Sid") == "AllowCopiesFromWorkloadAccounts"
    ][0]
    assert sorted(air_gapped_sources["Principal"]["AWS"]) == sorted(
        f"arn:aws:iam::{w['accountId']}:root" for w in accounts.values()
    )
    offsite = [r for r in plan["resources"] if r["type"] == "gcp:storage/bucket:Bucket"]
    assert sorted(r["name"] for r in offsite) == [
        "fleet-dev-offsite-bucket",
        "fleet-prod-offsite-bucket",
        "fleet-staging-offsite-bucket",
    ]
