"""`hardened ci`: a temporary repository with the project in two commits, planned with each commit's own code.

The head commit weakens the library's own code (the MFA condition of the break-glass trust), a stack file (a
shorter retention) and a component (a child loses `protect`); the gate must name all three, in summary.md and in a
SARIF log valid against the OASIS schema. A head that changes only documentation reuses every plan and says "no
change". The organization stack is planned once per side, whatever number of environment stacks read it: counted
from the record each planning process writes, never by timing.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hardened_tools.ci import environments, locations
from hardened_tools.ci.command import _chunks, _Item
from hardened_tools.ci.git import Hunk

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from scaled_project import copy_project  # noqa: E402  (the checkout as it is: tracked and new files, no history)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "fixtures" / "sarif" / "sarif-schema-2.1.0.json"
PREVIEWS = ROOT / "tests" / "fixtures" / "previews"
GIT = ["git", "-c", "user.name=hardened-test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]

MFA_FILE = "components/hardened/aws/documents/mfa.py"
MFA_LINE = '                "Bool": {"aws:MultiFactorAuthPresent": "true"},\n'
PROTECT_FILE = "components/hardened/aws/air_gapped_vault.py"
PROTECTED = "guarded = pulumi.ResourceOptions(parent=self, protect=True, retain_on_delete=True)"
PROD = "stacks/Pulumi.prod.yaml"


def git(repo: Path, *args: str) -> str:
    return subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def replace_once(path: Path, old: str, new: str) -> int:
    """Replace `old`, which must occur once, and return the 1-based line it started on."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path}: expected {old!r} once"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


@pytest.fixture(scope="module")
def repository(tmp_path_factory) -> dict:
    """main: the project; weakened: three weakenings on top; docs: a README change on top of main."""
    repo = tmp_path_factory.mktemp("repository")
    copy_project(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "the project")
    git(repo, "checkout", "-q", "-b", "docs")
    (repo / "README.md").write_text((repo / "README.md").read_text(encoding="utf-8") + "\nA note.\n")
    git(repo, "commit", "-q", "-am", "docs only")
    git(repo, "checkout", "-q", "-b", "weakened", "main")
    mfa_line = replace_once(repo / MFA_FILE, MFA_LINE, "")
    protect_line = replace_once(repo / PROTECT_FILE, PROTECTED, PROTECTED.replace("protect=True, ", ""))
    retention_line = replace_once(
        repo / PROD,
        "      retentionMode: COMPLIANCE\n      retentionDays: 35\n",
        "      retentionMode: COMPLIANCE\n      retentionDays: 31\n",
    )
    git(repo, "commit", "-q", "-am", "weaken three ways")
    return {
        "repo": repo,
        "cache": tmp_path_factory.mktemp("cache"),
        # A deleted line is located at the line before it in the head; the retention is the hunk's second line.
        "lines": {"mfa": mfa_line - 1, "protect": protect_line, "retention": retention_line + 1},
    }


def hardened_ci(repository: dict, *args: str, output: str = "out") -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "hardened_tools",
            "ci",
            "--cache-dir",
            str(repository["cache"]),
            "--output-dir",
            output,
            *args,
        ],
        cwd=repository["repo"],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "HARDENED_CACHE_DIR"},
    )


@pytest.fixture(scope="module")
def weakened(repository) -> dict:
    completed = hardened_ci(repository, "--base", "main", "--head", "weakened", "--jobs", "2", output="weakened")
    out = repository["repo"] / "weakened"
    return {
        "completed": completed,
        "summary": (out / "summary.md").read_text(encoding="utf-8") if out.exists() else "",
        "sarif": json.loads((out / "findings.sarif").read_text(encoding="utf-8")) if out.exists() else {},
        "report": json.loads((out / "report.json").read_text(encoding="utf-8")) if out.exists() else {},
    }


def test_a_head_that_weakens_the_library_a_stack_file_and_a_component_fails_the_gate(weakened):
    completed = weakened["completed"]
    assert completed.returncode == 1, completed.stderr
    progress = completed.stderr.splitlines()
    assert all(line.startswith("hardened ci: ") for line in progress), completed.stderr  # no warning, no traceback
    planning = [line for line in progress if line.startswith("hardened ci: planning")]
    assert planning == [  # the organization first, alone, then the environments that read it
        "hardened ci: planning 1 at the base, 1 at the head (org) in 2 processes",
        "hardened ci: planning 3 at the base, 3 at the head (dev, prod, staging) in 2 processes",
    ]
    summary = weakened["summary"]
    for kind in ("mfa-condition-removed", "retention-shortened", "protect-removed"):
        assert kind in summary
    assert "TrustBreakGlassUsersWithRecentMfa" in summary
    assert "35 → 31" in summary
    assert "prod-air-gapped-vault-vault" in summary


def test_each_weakening_is_a_sarif_result_at_the_line_it_comes_from(weakened, repository):
    results = weakened["sarif"]["runs"][0]["results"]

    def located(rule: str) -> set[tuple[str, int]]:
        return {
            (
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
            )
            for r in results
            if r["ruleId"] == rule
        }

    lines = repository["lines"]
    assert located("mfa-condition-removed") == {(MFA_FILE, lines["mfa"])}
    assert located("protect-removed") == {(PROTECT_FILE, lines["protect"])}
    assert located("retention-shortened") == {(PROD, lines["retention"])}
    mfa = [r for r in results if r["ruleId"] == "mfa-condition-removed"]
    assert len(mfa) == 7  # one per break-glass role of the organization: the six accounts' and the management's
    assert {r["level"] for r in mfa} == {"error"}


def test_the_sarif_log_is_valid_sarif_2_1_0(weakened):
    from jsonschema import Draft4Validator

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    errors = list(Draft4Validator(schema).iter_errors(weakened["sarif"]))
    assert errors == []
    assert weakened["sarif"]["version"] == "2.1.0"


def test_the_organization_is_planned_once_per_side_and_every_environment_reads_that_plan(weakened, repository):
    report = weakened["report"]
    assert report["planned"] == {"base": ["dev", "org", "prod", "staging"], "head": ["dev", "org", "prod", "staging"]}
    runs = [json.loads(p.read_text()) for p in (repository["cache"] / "plans").glob("*/run.json")]
    for side in ("base", "head"):
        mine = [r for r in runs if r["side"] == side]
        assert sorted(r["stack"] for r in mine) == ["dev", "org", "prod", "staging"]  # each stack planned once
        environments_ = [r for r in mine if r["stack"] != "org"]
        assert all(r["references"] == [["org", "planned file"]] for r in environments_)  # never re-planned
        # The three environment stacks share the interpreters of their side: at most --jobs of them.
        assert len({r["process"] for r in environments_}) <= 2


def test_a_head_that_changes_only_documentation_reuses_every_plan_and_says_no_change(weakened, repository):
    completed = hardened_ci(repository, "--base", "main", "--head", "docs", output="docs")
    assert completed.returncode == 0, completed.stderr
    # The first run's output directory is untracked: the head is the commit, and the run says so.
    assert "uncommitted changes in" in completed.stderr and "are not planned" in completed.stderr
    summary = (repository["repo"] / "docs" / "summary.md").read_text(encoding="utf-8")
    assert "no change" in summary
    report = json.loads((repository["repo"] / "docs" / "report.json").read_text(encoding="utf-8"))
    assert report["planned"] == {"base": [], "head": []}  # the base's plans from the run above, both sides
    assert {s["status"] for s in report["stacks"]} == {"unchanged"}
    assert report["gate"] == "pass"


def test_fail_on_warn_fails_on_the_standing_warnings_of_non_production(weakened, repository):
    completed = hardened_ci(repository, "--base", "main", "--head", "docs", "--fail-on", "warn", output="warn")
    assert completed.returncode == 1
    report = json.loads((repository["repo"] / "warn" / "report.json").read_text(encoding="utf-8"))
    warned = {(f["stack"], f["rule"]) for f in report["findings"] if f["level"] == "warning"}
    assert ("dev", "posture/copies") in warned and ("staging", "posture/immutability") in warned


def test_the_worker_plans_what_hardened_plan_prints(weakened, repository):
    repo = repository["repo"]
    git(repo, "checkout", "-q", "weakened")
    directory = next(
        p.parent
        for p in (repository["cache"] / "plans").glob("*/run.json")
        if (r := json.loads(p.read_text()))["side"] == "head" and r["stack"] == "prod"
    )
    own_code = {**os.environ, "PYTHONPATH": os.pathsep.join([str(repo / "components"), str(repo / "tools")])}
    for command, file in (
        (["plan", "--format", "json"], "plan.json"),
        (["posture", "--format", "json"], "posture.json"),
    ):
        printed = subprocess.run(
            [sys.executable, "-m", "hardened_tools", *command, "--stack", "prod", "--project-dir", str(repo)],
            capture_output=True,
            text=True,
            env=own_code,
        )
        assert printed.returncode in (0, 1), printed.stderr
        assert printed.stdout == (directory / file).read_text(encoding="utf-8")


def test_no_worktree_is_left_behind(weakened, repository):
    listed = git(repository["repo"], "worktree", "list", "--porcelain")
    assert listed.count("worktree ") == 1


def test_a_preview_that_deletes_a_protected_resource_fails_the_gate(weakened, repository):
    preview = PREVIEWS / "protected-delete.json"
    completed = hardened_ci(repository, "--base", "main", "--head", "docs", "--preview", f"prod={preview}", output="p")
    assert completed.returncode == 1, completed.stderr
    sarif = json.loads((repository["repo"] / "p" / "findings.sarif").read_text(encoding="utf-8"))
    assert any(r["ruleId"].startswith("preview/protected-delete") for r in sarif["runs"][0]["results"])


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--base", "no-such-branch"], "--base 'no-such-branch'"),
        (["--base", "main", "--head=-x"], "--head '-x'"),
        (["--base", "main", "--stacks", "nope"], "--stacks: no stack file for nope"),
        (["--base", "main", "--stacks", "prod", "prod"], "--stacks names prod more than once"),
        (["--base", "main", "--preview", "prod"], "--preview 'prod': write STACK=FILE"),
        (["--base", "main", "--preview", "nope=x.json"], "--preview nope=…: the head has no stack 'nope'"),
        (["--base", "main", "--jobs", "0"], "--jobs must be at least 1"),
    ],
)
def test_bad_input_is_named_with_exit_2_and_nothing_on_stdout(repository, args, named):
    completed = hardened_ci(repository, *args, output="bad")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert named in completed.stderr
    assert "Traceback" not in completed.stderr


def test_a_stack_that_fails_to_plan_at_the_head_is_named_with_exit_2(repository, tmp_path):
    repo = repository["repo"]
    git(repo, "checkout", "-q", "-b", "broken", "main")
    replace_once(repo / PROD, "      retentionDays: 35\n", "      retentionDays: thirty-five\n")
    git(repo, "commit", "-q", "-am", "a stack file that does not validate")
    completed = hardened_ci(repository, "--base", "main", "--head", "broken", "--stacks", "prod", output="broken")
    git(repo, "checkout", "-q", "main")
    assert completed.returncode == 2
    assert completed.stdout == ""
    assert "stack 'prod' (stacks/Pulumi.prod.yaml) fails to plan at the head (broken," in completed.stderr
    assert "retentionDays" in completed.stderr


def test_outside_a_git_repository_is_bad_input(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text("name: x\n")
    completed = subprocess.run(
        [sys.executable, "-m", "hardened_tools", "ci", "--base", "main", "--project-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert completed.returncode == 2 and completed.stdout == ""
    assert "is not inside a git repository" in completed.stderr


# --- the parts, without git ------------------------------------------------------------------------------------


def test_the_environment_installs_the_dependencies_and_the_tools_extra_never_the_project_itself():
    pyproject = b"""
[project]
name = "Hardened_Accounts"
dependencies = ["pulumi>=3,<4", "pydantic>=2"]
[project.optional-dependencies]
tools = ["PyYAML>=6", "hardened-accounts[more]"]
more = ["jsonschema>=4", "hardened.accounts[tools]"]
test = ["pytest"]
"""
    assert environments.requirements(pyproject, "the base") == [
        "pulumi>=3,<4",
        "pydantic>=2",
        "PyYAML>=6",
        "jsonschema>=4",
    ]


def test_the_environment_key_changes_with_the_pyproject_and_the_lock_file():
    keys = {
        environments.environment_key(b"a", None),
        environments.environment_key(b"b", None),
        environments.environment_key(b"a", b"pulumi==3.200.0\n"),
    }
    assert len(keys) == 3
    assert environments.environment_key(b"a", None) == environments.environment_key(b"a", None)


def test_a_finding_is_located_at_the_hunk_that_shares_its_words():
    hunks = [
        Hunk("stacks/Pulumi.prod.yaml", 11, "      retentionDays: 35", "      retentionDays: 31"),
        Hunk("components/hardened/aws/documents/mfa.py", 171, '"Bool": {"aws:MultiFactorAuthPresent": "true"},', ""),
        Hunk("README.md", 3, "old", "new"),
    ]
    code = {"components/hardened/aws/documents/mfa.py"}
    stack_file = "stacks/Pulumi.prod.yaml"
    mfa = "role: inputs.assumeRolePolicy.Statement[T].Condition.Bool.aws:MultiFactorAuthPresent true → (absent)"
    assert locations.locate(mfa, stack_file, hunks, code).path.endswith("mfa.py")
    retention = "prod-backups-object-lock: inputs.rule.defaultRetention.days 35 → 31"
    assert locations.locate(retention, stack_file, hunks, code) == locations.Location(stack_file, 11)
    # No shared word: the stack's own changed line, then changed code, then the stack file's first line.
    assert locations.locate("zzz", stack_file, hunks, code) == locations.Location(stack_file, 11)
    assert locations.locate("zzz", stack_file, hunks[1:], code).path.endswith("mfa.py")
    assert locations.locate("zzz", stack_file, hunks[2:], code) == locations.Location(stack_file, 1)
    assert locations.locate("zzz", None, hunks[2:], code) is None


def test_a_wave_is_split_into_at_most_jobs_chunks_of_one_side_each():
    class Side:
        def __init__(self, name):
            self.name = name

    base, head = Side("base"), Side("head")
    wave = [_Item(base, f"b{n}", f"kb{n}") for n in range(6)] + [_Item(head, f"h{n}", f"kh{n}") for n in range(2)]
    chunks = _chunks(wave, 4)  # type: ignore[arg-type]
    assert len(chunks) <= 4
    assert all(len({i.side.name for i in chunk}) == 1 for chunk in chunks)
    assert sorted(i.stack for chunk in chunks for i in chunk) == sorted(i.stack for i in wave)


# --- the workflows in docs/reviewing.md --------------------------------------------------------------------------------


def reviewing_yaml(first_line: str) -> dict:
    import yaml

    text = (ROOT / "docs" / "reviewing.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```yaml\n")[1:]]
    (block,) = [b for b in blocks if b.startswith(first_line)]
    return yaml.safe_load(block)


def run_step(command: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    """A `run:` step or a script line as the runners run it: bash with -e."""
    return subprocess.run(["bash", "-e", "-c", command], cwd=cwd, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def pull_request(repository, tmp_path_factory) -> dict:
    """A clone of the repository with the weakening branch checked out, as actions/checkout leaves a pull request;
    its cache directory is the one the tests above filled, as actions/cache would restore it."""
    clone = tmp_path_factory.mktemp("clone") / "project"
    subprocess.run([*GIT, "clone", "-q", str(repository["repo"]), str(clone)], check=True)
    git(clone, "checkout", "-q", "weakened")
    home = tmp_path_factory.mktemp("xdg")
    (home / "hardened").symlink_to(repository["cache"], target_is_directory=True)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"  # `python` is a Python 3.11
    environment = {k: v for k, v in os.environ.items() if k not in ("HARDENED_CACHE_DIR", "VIRTUAL_ENV", "PYTHONPATH")}
    return {"clone": clone, "env": {**environment, "PATH": path, "XDG_CACHE_HOME": str(home)}}


def test_the_github_workflow_s_steps_run_and_leave_what_its_actions_read(weakened, pull_request, tmp_path):
    workflow = reviewing_yaml("name: hardened gate")
    steps = workflow["jobs"]["gate"]["steps"]
    clone = pull_request["clone"]
    exits = {}
    for step in steps:
        if "run" in step:
            variables = {k: v.replace("${{ github.base_ref }}", "main") for k, v in step.get("env", {}).items()}
            env = {**pull_request["env"], "RUNNER_TEMP": str(tmp_path), **variables}
            completed = run_step(step["run"], clone, env)
            exits[step["name"]] = completed.returncode
            assert completed.returncode in (0, 1), f"{step['name']}: {completed.stderr}"
    # The weakening fails the job; the steps after it still run (if: always()).
    assert exits == {"install the judge from the base branch": 0, "the gate": 1}
    used = {step["uses"].split("@")[0]: step.get("with", {}) for step in steps if "uses" in step}
    assert (clone / used["marocchino/sticky-pull-request-comment"]["path"]).is_file()
    assert (clone / used["github/codeql-action/upload-sarif"]["sarif_file"]).is_file()
    assert (clone / used["actions/upload-artifact"]["path"] / "report.json").is_file()
    assert workflow["permissions"]["security-events"] == "write"  # upload-sarif needs it
    summary = (clone / "hardened-ci" / "summary.md").read_text(encoding="utf-8")
    assert "mfa-condition-removed" in summary
    # The judge is the base's code, installed apart from the checkout under review.
    judge = tmp_path / "judge" / ".venv" / "bin" / "python"
    origin = subprocess.run(
        [str(judge), "-c", "import hardened_tools; print(hardened_tools.__file__)"], capture_output=True, text=True
    )
    assert "site-packages" in origin.stdout and str(clone) not in origin.stdout


def test_the_gitlab_job_s_script_runs(weakened, pull_request):
    job = reviewing_yaml("hardened-gate:")["hardened-gate"]
    clone = pull_request["clone"]
    shutil.rmtree(clone / "hardened-ci", ignore_errors=True)
    (clone / ".hardened-cache").symlink_to(pull_request["env"]["XDG_CACHE_HOME"] + "/hardened")
    env = {**pull_request["env"], "CI_PROJECT_DIR": str(clone), "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}
    env |= {k: v.replace("$CI_PROJECT_DIR", str(clone)) for k, v in job["variables"].items()}
    # The runner runs the script lines in one shell, stopping at the first that fails.
    completed = run_step("set -o pipefail\n" + "\n".join(job["script"]), clone, env)
    assert completed.returncode == 1, completed.stderr  # the weakening
    for path in job["artifacts"]["paths"]:
        assert "mfa-condition-removed" in (clone / path / "summary.md").read_text(encoding="utf-8")
    assert job["cache"]["paths"] == [".hardened-cache/"]


def test_a_cancelled_run_leaves_no_worktree_and_no_half_built_environment(repository, tmp_path):
    import signal
    import time

    cache = tmp_path / "cache"  # empty: the run builds an environment first, while both worktrees exist
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "hardened_tools",
            "ci",
            "--base",
            "main",
            "--head",
            "weakened",
            "--cache-dir",
            str(cache),
        ],
        cwd=repository["repo"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(cache.glob("environments/.*")) and time.monotonic() < deadline:  # pip is running
        time.sleep(0.1)
    assert git(repository["repo"], "worktree", "list").count("\n") == 3  # the repository and both sides
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert git(repository["repo"], "worktree", "list").count("\n") == 1
    assert list((cache / "environments").iterdir()) == []
    assert list((cache / "runs").iterdir()) == []
