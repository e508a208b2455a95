"""docs/many-stacks.md's deploy workflow deploys this project's stacks, in order, as bootstrap's deployer.

The workflow cannot run here (GitHub's runners, the cloud). What can be checked is checked: it deploys exactly the
stacks `stacks/` has, the organization first; each job installs and checks its stack offline with the make target
before any credential, and that step runs (for the organization and one environment); each job gets the OIDC token
the deployer role's trust requires, assumes that role, and gives `pulumi/actions` the state backend.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "many-stacks.md"


def workflow() -> dict:
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)
    (block,) = [b for b in blocks if b.startswith("name: deploy\n")]
    return yaml.safe_load(block)


def stack_kinds() -> dict[str, str]:
    kinds = {}
    for path in (ROOT / "stacks").glob("Pulumi.*.yaml"):
        config = yaml.safe_load(path.read_text(encoding="utf-8"))["config"]
        kinds[path.name.split(".")[1]] = config["hardened-accounts:kind"]
    return kinds


def steps_by_action(job: dict) -> dict[str, dict]:
    return {step["uses"].split("@")[0]: step.get("with", {}) for step in job["steps"] if "uses" in step}


def test_it_deploys_every_stack_the_organization_first():
    jobs = workflow()["jobs"]
    kinds = stack_kinds()
    assert steps_by_action(jobs["org"])["pulumi/actions"]["stack-name"] == "org" and kinds["org"] == "organization"
    assert jobs["environments"]["needs"] == "org"
    matrix = jobs["environments"]["strategy"]["matrix"]["stack"]
    assert sorted(matrix) == sorted(name for name, kind in kinds.items() if kind == "environment")
    assert steps_by_action(jobs["environments"])["pulumi/actions"]["stack-name"] == "${{ matrix.stack }}"


@pytest.mark.parametrize("job", ["org", "environments"])
def test_each_job_checks_offline_before_any_credential_then_deploys_as_the_deployer(job):
    document = workflow()
    assert document["permissions"]["id-token"] == "write"  # configure-aws-credentials needs it for OIDC
    bootstrap = yaml.safe_load((ROOT / "bootstrap/Pulumi.management.yaml").read_text(encoding="utf-8"))["config"]
    # The branch the deployer role trusts (YAML 1.1 reads the key `on` as true).
    assert document[True]["push"]["branches"] == [bootstrap["hardened-bootstrap:ci"].get("branch", "main")]
    steps = document["jobs"][job]["steps"]
    uses = [step.get("uses", "run").split("@")[0] for step in steps]
    assert uses == [
        "actions/checkout",
        "actions/setup-python",
        "run",
        "aws-actions/configure-aws-credentials",
        "google-github-actions/auth",
        "pulumi/actions",
    ]
    actions = steps_by_action(document["jobs"][job])
    assert actions["actions/setup-python"]["python-version"] == "3.11"
    assert actions["aws-actions/configure-aws-credentials"]["role-to-assume"] == "${{ env.DEPLOYER }}"
    assert document["env"]["DEPLOYER"].endswith(":role/hardened-deployer")  # bootstrap's deploymentRoleName
    assert actions["pulumi/actions"]["command"] == "up"
    assert actions["pulumi/actions"]["cloud-url"] == "${{ env.BACKEND }}"
    assert document["env"]["BACKEND"].startswith("s3://")
    assert "service_account" not in actions["google-github-actions/auth"]  # the providers impersonate the deployer


@pytest.mark.parametrize(("job", "stack"), [("org", "org"), ("environments", "prod")])
def test_the_offline_check_step_runs(job, stack):
    (step,) = [s for s in workflow()["jobs"][job]["steps"] if "run" in s]
    command = step["run"].replace("${{ matrix.stack }}", stack)
    assert command == f"make plan STACK={stack}"
    # As on a runner after `make test` set the environment up: -o keeps make from reinstalling it.
    # Nor a make of its own around it (under `make test`, MAKELEVEL would have make name the directories it enters).
    outer = ("VIRTUAL_ENV", "PYTHONPATH", "MAKELEVEL", "MAKEFLAGS", "MFLAGS")
    env = {k: v for k, v in os.environ.items() if k not in outer}
    completed = subprocess.run(
        [*command.split()[:1], "-o", ".venv/.installed", "-o", ".venv/.created", *command.split()[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith(f"Stack '{stack}' of project hardened-accounts")
