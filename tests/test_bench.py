"""The benchmark's pieces work (bench/): not a timed test, nothing here measures or asserts speed.

Checked on a copy of the project with two generated workload accounts: the stack file validates and
plans, the raw baseline registers the same custom resources as the plan, and the longest-chain
computation returns a chain whose consecutive members really wait for each other. The fleet of
bench/ci_fleet.py (two accounts, two environment stacks) is committed with its two heads, and every
generated stack plans; `hardened ci` itself is tests/test_ci.py's.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from module_files import module_from_file

from hardened.config import validate_config
from hardened_tools.plan import build_plan, find_project, run_program, run_stack
from hardened_tools.plan.deploy_rules import check_deployable
from hardened_tools.plan.document import dumps
from hardened_tools.plan.project import load_stack_file
from hardened_tools.plan.references import StackReferences

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import yaml  # noqa: E402
from ci_fleet import BRANCHES, CODE_FILE, TEMPLATE, environment_stack_file, fleet_repository  # noqa: E402
from ci_fleet import git as fleet_git  # noqa: E402
from dependency_chain import longest_chain, member_account_resources, prerequisites  # noqa: E402
from raw_baseline import custom_resources, raw_program  # noqa: E402
from scaled_project import STACK, scaled_project, workload_accounts  # noqa: E402

ACCOUNTS = 2


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    return scaled_project(tmp_path_factory.mktemp("bench") / "project", ACCOUNTS)


@pytest.fixture(scope="module")
def plan(copy) -> dict:
    return build_plan(run_stack(find_project(copy), STACK))


def test_the_copy_holds_the_project_but_not_the_virtualenv(copy):
    assert (copy / "Pulumi.yaml").is_file()
    assert (copy / "stacks" / "__main__.py").is_file()
    assert not (copy / ".venv").exists() and not (copy / ".git").exists()


def test_the_generated_stack_file_validates(copy):
    project = find_project(copy)
    values, _ = load_stack_file(project, STACK)
    schema = module_from_file("bench_stack_config", copy / "stacks" / "stack_config.py")
    config = validate_config(schema.OrganizationStackConfig, values, namespace=project.name, source="Pulumi.org.yaml")
    workloads = {env: {"name": a.name, "email": a.email} for env, a in config.accounts.workloads.items()}
    assert workloads == workload_accounts(ACCOUNTS)
    # Everything else as in the real stack file.
    real, _ = load_stack_file(find_project(Path(__file__).parent), STACK)
    accounts_key = f"{project.name}:accounts"
    assert {k: v for k, v in values.items() if k != accounts_key} == {
        k: v for k, v in real.items() if k != accounts_key
    }


def test_the_generated_stack_plans_one_account_per_workload(plan):
    accounts = [r["name"] for r in plan["resources"] if r["type"] == "aws:organizations/account:Account"]
    assert sorted(accounts) == sorted(
        [
            "org-backup-account",
            "org-non-production-backup-account",
            "org-log-archive-account",
            "org-security-account",
            *(f"org-workload-{env}-account" for env in workload_accounts(ACCOUNTS)),
        ]
    )


@pytest.mark.parametrize("typed_like", [False, True], ids=["CustomResource", "typed-like"])
def test_the_baseline_registers_the_plans_custom_resources_without_components(copy, plan, typed_like):
    project = find_project(copy)
    config, secret_keys = load_stack_file(project, STACK)
    program = raw_program(plan, typed_like=typed_like)
    baseline = build_plan(
        run_program(program, project=project.name, stack=STACK, config=config, secret_keys=secret_keys)
    )
    planned = sorted((r["type"], r["name"]) for r in plan["resources"] if r["custom"])
    registered = sorted((r["type"], r["name"]) for r in baseline["resources"] if r["custom"])
    assert len(registered) == len(planned) == len(custom_resources(plan))
    assert registered == planned
    assert not [r for r in baseline["resources"] if r["type"].startswith("hardened:")]
    # Same inputs and same landing place, resource by resource (placeholder-derived values aside).
    by_key = {(r["type"], r["name"]): r for r in baseline["resources"]}
    for resource in (r for r in plan["resources"] if r["custom"]):
        raw = by_key[(resource["type"], resource["name"])]
        assert raw["lands_in"] == resource["lands_in"], resource["name"]
        computed = set(resource["computed_inputs"])
        known = lambda r, computed=computed: {k: v for k, v in r["inputs"].items() if k not in computed}  # noqa: E731
        assert known(raw) == known(resource), resource["name"]


def _waits_for(plan: dict, later: dict, earlier: dict) -> bool:
    return (
        earlier["urn"] in later["depends_on"]
        or later["provider"] == earlier["urn"]
        or later["parent"] == earlier["urn"]
    )


def test_the_longest_chain_is_a_real_chain_of_dependencies(plan):
    chain = longest_chain(plan)
    assert len(chain) >= 2
    for earlier, later in zip(chain, chain[1:], strict=False):
        assert _waits_for(plan, later, earlier), f"{later['name']} does not wait for {earlier['name']}"
    waits = prerequisites(plan)
    assert not waits[chain[0]["urn"]], "the chain starts with a resource that waits for nothing"
    # The longest: depths relaxed pass by pass until stable agree with the chain's length.
    depth = dict.fromkeys(waits, 1)
    for _ in range(len(waits)):
        changed = False
        for urn, needed in waits.items():
            best = 1 + max((depth[n] for n in needed), default=0)
            if best != depth[urn]:
                depth[urn], changed = best, True
        if not changed:
            break
    assert max(depth.values()) == len(chain)


def test_one_member_accounts_chain_ends_in_that_account(plan):
    key = f"workload-{next(iter(workload_accounts(ACCOUNTS)))}"
    members = member_account_resources(plan, key)
    chain = longest_chain(plan, members)
    assert chain and chain[-1]["urn"] in members
    # It reaches into the account through the account's own provider (its break-glass role may wait for the users in
    # the security account longer than for the account itself).
    provider = next(r["urn"] for r in plan["resources"] if r["name"] == f"org-{key}-provider")
    assert any(r["provider"] == provider or r["urn"] == provider for r in chain)
    for earlier, later in zip(chain, chain[1:], strict=False):
        assert _waits_for(plan, later, earlier), f"{later['name']} does not wait for {earlier['name']}"


@pytest.mark.slow
def test_the_measuring_script_runs_both_sides(copy, tmp_path):
    plan_file, out = tmp_path / "plan.json", tmp_path / "result.json"
    script = [sys.executable, str(BENCH / "measure.py")]
    common = ["--project", str(copy), "--stack", STACK, "--out", str(out)]
    subprocess.run([*script, "library", *common, "--save-plan", str(plan_file)], check=True, capture_output=True)
    library = json.loads(out.read_text())
    subprocess.run([*script, "baseline", *common, "--plan", str(plan_file)], check=True, capture_output=True)
    baseline = json.loads(out.read_text())
    assert library["custom"] == baseline["custom"] == baseline["expected_custom"] > 0
    assert {"seconds", "maxrss_mb"} <= set(library) and {"seconds", "maxrss_mb"} <= set(baseline)


# --- bench/ci_fleet.py ------------------------------------------------------------------------------------------

FLEET_STACKS = 2


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> tuple[Path, list[str]]:
    repository = tmp_path_factory.mktemp("fleet") / "repository"
    return repository, fleet_repository(repository, ACCOUNTS, FLEET_STACKS)


def test_the_fleet_has_an_environment_stack_per_workload_account_and_none_of_the_shipped_ones(fleet):
    repository, names = fleet
    assert names == ["env-0001", "env-0002"]
    assert sorted(find_project(repository).stacks()) == ["env-0001", "env-0002", "org"]
    org = yaml.safe_load((repository / "stacks" / "Pulumi.org.yaml").read_text(encoding="utf-8"))
    assert org["config"]["hardened-accounts:accounts"]["workloads"] == workload_accounts(ACCOUNTS)
    # The commit carries the project's own library, tools and dependency list, as hardened ci needs.
    committed = fleet_git(repository, "ls-tree", "-r", "--name-only", "main").split()
    for path in ("pyproject.toml", CODE_FILE, "tools/hardened_tools/ci/worker.py", "stacks/__main__.py"):
        assert path in committed


def test_each_head_changes_one_file_the_code_head_only_by_a_comment(fleet):
    repository, names = fleet
    assert fleet_git(repository, "diff", "--name-only", "main", BRANCHES["code"]).split() == [CODE_FILE]
    added = [
        line[1:]
        for line in fleet_git(repository, "diff", "-U0", "main", BRANCHES["code"]).splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]
    assert added and all(line.startswith("#") for line in added)
    stack_file = f"stacks/Pulumi.{names[0]}.yaml"
    assert fleet_git(repository, "diff", "--name-only", "main", BRANCHES["stack"]).split() == [stack_file]


def test_every_generated_environment_stack_plans_into_its_own_workload_account(fleet, tmp_path):
    repository, names = fleet
    project = find_project(repository)
    organization = build_plan(run_stack(project, "org"))
    check_deployable(organization)
    org_file = tmp_path / "org.json"
    org_file.write_text(dumps(organization), encoding="utf-8")
    accounts = organization["outputs"]["accounts"]
    landed = {}
    for stack in names:  # as hardened plan does, the organization read from its plan (as hardened ci reads it)
        plan = build_plan(run_stack(project, stack, references=StackReferences(project, stack, {"org": org_file})))
        check_deployable(plan)
        landed[stack] = plan["outputs"]["workloadAccount"]
        assert f"{stack}-backups-bucket" in {r["name"] for r in plan["resources"]}  # names of its own
    assert landed == {stack: accounts["workloads"][stack]["accountId"] for stack in names}


def test_stacks_beyond_the_accounts_share_one_round_robin_and_keep_the_template(fleet):
    template = (Path(__file__).resolve().parent.parent / TEMPLATE).read_text(encoding="utf-8")
    own = yaml.safe_load(environment_stack_file(template, "env-0001", "env-0001"))
    shared = yaml.safe_load(environment_stack_file(template, "env-0003", "env-0001"))
    assert own == yaml.safe_load(template)
    assert shared["config"].pop("hardened-accounts:environment") == "env-0001"
    assert shared == own
