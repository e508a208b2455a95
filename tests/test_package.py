"""The package people install: `python -m build` makes an sdist and a wheel, the wheel holds what a user needs (and no
tests), and installed alone in a fresh virtualenv it prints its version, finds its policy pack, runs the README's first
program under the mocks and gives a type checker its annotations (py.typed)."""

import ast
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
PACK_FILES = ("PulumiPolicy.yaml", "requirements.txt", "__main__.py", "hardened_policies.py")

pytestmark = pytest.mark.slow


def source_version() -> str:
    """`hardened.__version__` as written in components/hardened/__init__.py: the version's one source."""
    tree = ast.parse((ROOT / "components" / "hardened" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == ["__version__"]:
            assert isinstance(node.value, ast.Constant)
            return node.value.value
    raise AssertionError("components/hardened/__init__.py sets no __version__")


def run(*argv, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return subprocess.run(argv, capture_output=True, text=True, timeout=600, env=env, **kwargs)


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = run(sys.executable, "-m", "build", "--outdir", str(out), str(ROOT), cwd=out)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def wheel(dist) -> Path:
    (found,) = dist.glob("*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with nothing but the wheel and its tools extra (from the package index, as a user gets)."""
    where = tmp_path_factory.mktemp("venv") / "venv"
    created = run(sys.executable, "-m", "venv", str(where))
    assert created.returncode == 0, created.stderr
    installed = run(str(where / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile", f"{wheel}[tools]")
    assert installed.returncode == 0, installed.stderr[-3000:]
    return where


def test_the_build_makes_an_sdist_and_a_wheel(dist):
    version = source_version()
    assert sorted(p.name for p in dist.iterdir()) == [
        f"hardened_accounts-{version}-py3-none-any.whl",
        f"hardened_accounts-{version}.tar.gz",
    ]


def test_the_wheel_holds_what_a_user_needs_and_no_tests(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    version = source_version()
    assert "hardened/py.typed" in names and "hardened_tools/py.typed" in names
    assert "hardened_tools/plan/plan.schema.json" in names
    assert {f"hardened_tools/policy_pack/{name}" for name in PACK_FILES} <= set(names)
    assert f"hardened_accounts-{version}.dist-info/licenses/LICENSE" in names
    assert [n for n in names if n.startswith("tests/") or "/tests/" in n or "conftest" in n] == []
    assert {n.split("/")[0] for n in names} == {"hardened", "hardened_tools", f"hardened_accounts-{version}.dist-info"}
    metadata = zipfile.ZipFile(wheel).read(f"hardened_accounts-{version}.dist-info/METADATA").decode()
    assert f"\nVersion: {version}\n" in metadata and "\nLicense-Expression: Apache-2.0\n" in metadata


def test_the_version_has_one_source():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"] and project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "hardened.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", source_version())


def test_the_installed_command_prints_its_version(venv):
    result = run(str(venv / "bin" / "hardened"), "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"hardened {source_version()}\n"


def test_the_installed_command_finds_the_policy_pack(venv):
    result = run(str(venv / "bin" / "hardened"), "policy-pack", "path")
    assert result.returncode == 0, result.stderr
    pack = Path(result.stdout.strip())
    assert pack.is_relative_to(venv) and pack.name == "policy_pack"
    assert sorted(p.name for p in pack.iterdir() if p.is_file()) == sorted(PACK_FILES)
    requirements = (pack / "requirements.txt").read_text()
    assert "-e " not in requirements and ".." not in requirements
    assert "virtualenv" not in (pack / "PulumiPolicy.yaml").read_text().split("runtime:", 1)[1]


def test_the_readmes_first_program_runs_against_the_installed_wheel(venv, tmp_path):
    example = re.findall(r"```python\n(.*?)```", README, flags=re.S)[0]
    assert "ImmutableBucket(" in example
    (tmp_path / "example.py").write_text(example)
    # As tests/test_readme.py runs it (tests/planning.py's plan_of), with the installed hardened_tools' mock runtime.
    (tmp_path / "run_example.py").write_text(
        "import json, pathlib, runpy\n"
        "import hardened\n"
        "from hardened_tools.plan import build_plan, run_program\n"
        "plan = build_plan(run_program(lambda: runpy.run_path('example.py', run_name='__main__'),"
        " project='readme', stack='test'))\n"
        "print(json.dumps({'library': str(pathlib.Path(hardened.__file__).parent),"
        " 'types': sorted({r['type'] for r in plan['resources']})}))\n"
    )
    result = run(str(venv / "bin" / "python"), "run_example.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    ran = json.loads(result.stdout.splitlines()[-1])
    assert Path(ran["library"]).is_relative_to(venv)  # the installed wheel, not this checkout
    assert "hardened:index:ImmutableBucket" in ran["types"]
    assert "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration" in ran["types"]


USER_PROGRAM = """\
from hardened.aws import ImmutableBucketArgs, RetentionMode

args: ImmutableBucketArgs = {
    "retention_mode": RetentionMode.COMPLIANCE,
    "retention_days": 2555,
    "administrator_arns": ["arn:aws:iam::444455556666:role/hardened-deployer"],
}
"""


def test_a_type_checker_flags_a_misspelled_argument_key_against_the_installed_wheel(venv, tmp_path):
    (tmp_path / "right.py").write_text(USER_PROGRAM)
    (tmp_path / "misspelled.py").write_text(USER_PROGRAM.replace('"retention_days"', '"retention_dayz"'))
    # This project's mypy config stays out of it; the SDKs' own (large) stubs are not what is under test.
    (tmp_path / "mypy.ini").write_text("[mypy]\n[mypy-pulumi_aws.*,pulumi_gcp.*]\nfollow_imports = skip\n")
    result = run(
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        "mypy.ini",
        "--cache-dir",
        str(tmp_path / "cache"),
        "--python-executable",
        str(venv / "bin" / "python"),
        "right.py",
        "misspelled.py",
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert errors == [
        'misspelled.py:3: error: Missing key "retention_days" for TypedDict "ImmutableBucketArgs"  [typeddict-item]',
        'misspelled.py:3: error: Extra key "retention_dayz" for TypedDict "ImmutableBucketArgs"  '
        "[typeddict-unknown-key]",
    ]
