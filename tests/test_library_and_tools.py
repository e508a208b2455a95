"""The library a user imports (`hardened`, in components/) and the tools (`hardened_tools`, in tools/) are apart:
the library imports nothing of the tools nor of their extra's dependencies, so `pip install hardened-accounts`
gives a program the components without PyYAML or jsonschema; the `hardened` command says which extra it lacks."""

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# PyYAML is not blocked at run time: pulumi itself imports it. The AST test below keeps it out of the library.
TOOL_ONLY = ("jsonschema", "hardened_tools")

# Run in a fresh interpreter: a finder that refuses the tools' modules, as an environment without the extra would.
BLOCK = f"""
import importlib.abc, sys
class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {set(TOOL_ONLY)!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}")
        return None
sys.meta_path.insert(0, Absent())
"""


def run(code: str, block: tuple[str, ...] = TOOL_ONLY) -> subprocess.CompletedProcess:
    prelude = BLOCK.replace(repr(set(TOOL_ONLY)), repr(set(block)))
    return subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, timeout=300)


def test_every_library_module_imports_without_the_tools_or_their_dependencies():
    result = run("""
import pkgutil, hardened
names = [m.name for m in pkgutil.walk_packages(hardened.__path__, "hardened.")
         if not m.name.startswith("hardened.aws.functions.")]  # Lambda code: runs in AWS, imported by nobody here
for name in names:
    __import__(name)
print(len(names))
""")
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 40


def test_no_library_file_imports_the_tools_or_their_dependencies():
    offenders = []
    for path in sorted((ROOT / "components" / "hardened").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [
                f"{path.relative_to(ROOT)}: {name}" for name in names if name.split(".")[0] in ("yaml", *TOOL_ONLY)
            ]
    assert offenders == []


def test_the_library_depends_on_nothing_the_tools_alone_need():
    names = {
        requirement.split(">")[0].split("<")[0].split("=")[0].strip().lower() for requirement in PROJECT["dependencies"]
    }
    assert names == {"pulumi", "pulumi-aws", "pulumi-gcp", "pydantic", "typing-extensions"}
    assert {r.split(">")[0].lower() for r in PROJECT["optional-dependencies"]["tools"]} == {"pyyaml", "jsonschema"}
    assert PROJECT["scripts"] == {"hardened": "hardened_tools.cli:run"}


def test_the_policy_rules_run_with_the_library_alone():
    # The policy extra installs the library and pulumi-policy, without the tools extra.
    from hardened_tools.policy.rules import RULES

    result = run("import hardened_tools.policy.rules as r; print(len(r.RULES))", block=("jsonschema",))
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) == len(RULES)


def test_the_command_without_the_tools_extra_names_it():
    result = run("from hardened_tools.cli import run; run()", block=("jsonschema",))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: the hardened command needs the tools extra (jsonschema missing): "
        "pip install 'hardened-accounts[tools]'\n"
    )


def test_the_tree_shows_the_split():
    library = {p.name for p in (ROOT / "components" / "hardened").iterdir() if not p.name.startswith("__pycache__")}
    tools = {p.name for p in (ROOT / "tools" / "hardened_tools").iterdir() if not p.name.startswith("__pycache__")}
    assert {"aws", "gcp", "errors.py", "constraints.py", "arguments.py"} <= library
    assert not library & {"plan", "review", "posture", "policy", "fleet.py", "cli.py"}
    assert {"plan", "review", "posture", "policy", "fleet.py", "cli.py"} <= tools
    assert (ROOT / "tools" / "hardened_tools" / "policy_pack" / "PulumiPolicy.yaml").is_file()
    assert (ROOT / "components" / "PulumiPlugin.yaml").is_file()


def layout_paths() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Map: where everything lives")
    table = readme[start : readme.index("\n## ", start)]
    cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    paths = []
    for cell in cells:
        parts = [p.strip("`") for p in cell.strip().split(", ")]
        folder = parts[0].rsplit("/", 1)[0] + "/" if "/" in parts[0].rstrip("/") else ""
        paths += [parts[0], *(p if "/" in p else folder + p for p in parts[1:])]
    return paths


def test_every_path_of_the_readme_layout_exists():
    assert [p for p in layout_paths() if not (ROOT / p).exists()] == []


def test_the_readme_layout_names_every_top_level_folder_and_module():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    folders = {path.split("/")[0] + "/" for path in tracked if "/" in path and not path.startswith(".")}
    named = {p.split("/")[0] + "/" for p in layout_paths()}
    assert folders - named == set()
    modules = {
        f"{package}/{p.name}"
        for package in ("tools/hardened_tools", "components/hardened")
        for p in (ROOT / package).iterdir()
        if p.name != "__init__.py" and not p.name.startswith("__pycache__") and p.name != "__main__.py"
    }
    mentioned = {p.rstrip("/") for p in layout_paths()}
    assert sorted(m for m in modules if m not in mentioned) == []
