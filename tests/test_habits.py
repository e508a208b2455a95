"""The habits CI holds us to: `.ci/run` lints before it tests, `make lint` runs the three checks with the versions
pyproject.toml pins, and the pre-commit hooks run the same ruff and the generated-file checks CONTRIBUTING.md lists."""

import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
LINT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["lint"]
HOOKS = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"]


def test_ci_lints_then_tests():
    commands = [
        line
        for line in (ROOT / ".ci/run").read_text().splitlines()
        if line and not line.startswith(("#", "set ", "cd "))
    ]
    assert commands == ["make lint", "make test"]


def test_make_lint_runs_ruff_both_ways_and_mypy():
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0].splitlines()[1:]
    assert [line.strip() for line in recipe] == [
        "$(VENV)/bin/ruff check .",
        "$(VENV)/bin/ruff format --check .",
        "$(VENV)/bin/mypy",
    ]


def test_the_pre_commit_ruff_is_the_pinned_one():
    ruff = next(r for r in HOOKS if r["repo"].endswith("/ruff-pre-commit"))
    assert f"ruff=={ruff['rev'].removeprefix('v')}" in LINT
    assert [h["id"] for h in ruff["hooks"]] == ["ruff-check", "ruff-format"]


def test_every_generated_file_check_of_the_hooks_passes_on_the_tree():
    local = next(r for r in HOOKS if r["repo"] == "local")
    checks = [h["entry"] for h in local["hooks"] if h["id"] != "mypy"]
    assert checks == [
        ".venv/bin/python scripts/render_policies.py --check",
        ".venv/bin/python scripts/argument_reference.py --check",
        ".venv/bin/python scripts/component_docs.py --check",
    ]
    for entry in checks:
        result = subprocess.run(
            [sys.executable, *entry.split()[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr


def test_the_argument_reference_check_fails_on_a_stale_page(tmp_path, monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import argument_reference
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    stale = tmp_path / "arguments.md"
    stale.write_text((ROOT / "docs/arguments.md").read_text().replace("| Field |", "| Feld |", 1))
    monkeypatch.setattr(argument_reference, "PAGE", stale)
    assert argument_reference.main(["--check"]) == 1
