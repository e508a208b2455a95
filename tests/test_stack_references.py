"""Offline stack references: another stack of the same project, planned in its own process, serves its outputs.

The fixture project (tests/fixtures/stack_references) has one program: a stack without `reference`
creates an account and exports it, a stack with `reference` reads that stack and deploys into the
account. Each bad reference has its own stack file.
"""

import gc
import json
import shutil
import warnings
from pathlib import Path

import jsonschema
import pytest
from planning import by_name, one

from hardened_tools.cli import main
from hardened_tools.plan import build_plan, find_project, references, run_program, run_stack
from hardened_tools.plan.references import StackReferences
from hardened_tools.plan.render import render_markdown, render_text
from hardened_tools.plan.runtime import OfflinePlanLimit

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests/fixtures/stack_references"
SCHEMA = json.loads((ROOT / "tools/hardened_tools/plan/plan.schema.json").read_text())
AVAILABLE = "Stacks available: app, app-qualified, bad-form, broken, elsewhere, loop-a, loop-b, missing, org, self, uses-broken."


@pytest.fixture(autouse=True)
def collect_abandoned_coroutines():
    """A failed read leaves coroutines of the SDK's outputs unawaited (as cli.py says); collect them quietly."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        gc.collect()


@pytest.fixture(scope="module")
def org() -> dict:
    return build_plan(run_stack(find_project(FIXTURE), "org"))


@pytest.fixture(scope="module")
def app() -> dict:
    return build_plan(run_stack(find_project(FIXTURE), "app"))


def plan(capsys, stack: str, project_dir: Path = FIXTURE) -> tuple[int, str, str]:
    code = main(["plan", "--stack", stack, "--format", "json", "--project-dir", str(project_dir)])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_reference_is_a_read_of_the_other_stack(app, org):
    jsonschema.Draft202012Validator(SCHEMA).validate(app)
    reference = one(app, "pulumi:pulumi:StackReference")
    assert (reference["read"], reference["id"], reference["inputs"]) == (True, "org", {"name": "org"})
    assert reference["urn"] == "urn:pulumi:app::refs-fixture::pulumi:pulumi:StackReference::org"
    # Served by the engine's builtin provider, even with default providers disabled.
    assert reference["provider"] == "urn:pulumi:app::refs-fixture::pulumi:providers:pulumi::default"
    assert one(app, "pulumi:providers:pulumi")["lands_in"] is None
    assert reference["outputs"] == {"name": "org", "outputs": org["outputs"], "secretOutputNames": ["token"]}
    assert reference["computed_outputs"] == ["outputs"]


def test_the_program_receives_the_other_stacks_outputs(app, org):
    account = org["outputs"]["accountId"]
    assert account == one(org, "aws:organizations/account:Account")["id"]
    member = by_name(app, "member")
    assert member["lands_in"] == {"account": account, "cloud": "aws", "region": "eu-west-1"}
    assert member["inputs"]["assumeRoles"] == [{"roleArn": f"arn:aws:iam::{account}:role/deployer"}]
    # Placeholders of the other stack's plan stay marked as placeholders here.
    assert member["computed_inputs"] == ["allowedAccountIds", "assumeRoles"]
    assert app["outputs"]["topicArn"].startswith(f"arn:aws:sns:eu-west-1:{account}:alerts-")


def test_secret_outputs_stay_secret_across_the_reference(app, org):
    assert (org["outputs"]["token"], org["secret_outputs"]) == ("[secret]", ["token"])
    assert (app["outputs"]["token"], app["secret_outputs"]) == ("[secret]", ["token"])
    assert "s3cr3t" not in json.dumps(app) + json.dumps(org)


def test_reviewers_see_which_stack_is_read(app):
    text = render_text(app)
    assert text.startswith(
        "Stack 'app' of project refs-fixture: `pulumi up` would create 3 resources in 0 components, "
        "landing in 1 account or project, and read 1 other stack (org)."
    )
    assert "└── org (pulumi:pulumi:StackReference) reads stack org\n" in text
    assert "        outputs:  (computed)\n" in text
    assert "| `org` | `pulumi:pulumi:StackReference` | reads stack `org` | no | no |" in render_markdown(app)


def test_the_qualified_form_reads_the_same_stack(app):
    qualified = build_plan(run_stack(find_project(FIXTURE), "app-qualified"))
    reference = one(qualified, "pulumi:pulumi:StackReference")
    assert reference["id"] == "acme/refs-fixture/org"
    assert reference["outputs"]["outputs"] == one(app, "pulumi:pulumi:StackReference")["outputs"]["outputs"]


def test_results_are_cached_per_stack_file_content(monkeypatch, tmp_path):
    shutil.copytree(FIXTURE, tmp_path / "project")
    project = find_project(tmp_path / "project")
    runs = []
    real_run = references.subprocess.run

    def counting_run(command, **kwargs):
        runs.append(command)
        return real_run(command, **kwargs)

    monkeypatch.setattr(references, "_cache", {})
    monkeypatch.setattr(references.subprocess, "run", counting_run)
    resolve = StackReferences(project, "app")
    first = resolve("org")
    assert resolve("acme/refs-fixture/org") is first
    assert StackReferences(project, "app-qualified")("org") is first
    assert len(runs) == 1
    assert runs[0][-6:] == ["--stack", "org", "--format", "json", "--project-dir", str(project.root)]
    stack_file = project.stack_file("org")
    stack_file.write_text(stack_file.read_text() + "  refs-fixture:unused: changed\n")
    assert resolve("org") is not first
    assert len(runs) == 2


def test_a_program_run_without_a_project_cannot_resolve_references():
    import pulumi

    def program():
        pulumi.StackReference("org").get_output("accountId")

    with pytest.raises(OfflinePlanLimit, match="cannot resolve the stack reference 'org' here"):
        run_program(program, project="refs-fixture", stack="app")


BAD_REFERENCES = {
    "missing": "Stack reference 'nope' of stack 'missing' (program/Pulumi.missing.yaml): program/Pulumi.nope.yaml "
    f"does not exist, so the offline plan cannot plan stack 'nope'. {AVAILABLE}",
    "elsewhere": "Stack reference 'acme/other-project/org' of stack 'elsewhere' (program/Pulumi.elsewhere.yaml) names "
    "project 'other-project': the offline plan resolves only stacks of this project (refs-fixture), from their stack "
    f"files in program/. {AVAILABLE}",
    "bad-form": "Stack reference 'acme/org' of stack 'bad-form' (program/Pulumi.bad-form.yaml): name a stack as "
    f"'<stack>' or '<organization>/<project>/<stack>'. {AVAILABLE}",
    "self": "Stack reference cycle: self -> self. Stack reference 'self' of stack 'self' (program/Pulumi.self.yaml) "
    "leads back to stack 'self' (program/Pulumi.self.yaml), which is being planned: a stack cannot depend on its own outputs.",
    "loop-a": "Stack reference cycle: loop-a -> loop-b -> loop-a. Stack reference 'loop-a' of stack 'loop-b' "
    "(program/Pulumi.loop-b.yaml) leads back to stack 'loop-a' (program/Pulumi.loop-a.yaml), which is being planned: "
    "a stack cannot depend on its own outputs.",
    "uses-broken": "Stack reference 'broken' of stack 'uses-broken' (program/Pulumi.uses-broken.yaml): planning stack "
    "'broken' (program/Pulumi.broken.yaml) failed (exit 1): the program of stack 'broken' failed: ValueError: this "
    f"stack fails on purpose. {AVAILABLE}",
}


@pytest.mark.parametrize("stack", sorted(BAD_REFERENCES))
def test_bad_references_are_bad_input(capsys, stack):
    code, out, err = plan(capsys, stack)
    assert (code, out) == (2, "")
    assert err == f"error: {BAD_REFERENCES[stack]}\n"
