"""README.md and the guides in docs/ cannot rot: their Python examples run as programs, their tables match the code,
and every link between them lands on a file and a heading that exist."""

import json
import re
from pathlib import Path

import pulumi
import pytest
from planning import one, plan_of, resources

import hardened.aws
import hardened.gcp

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
# The hand-written pages; docs/components/ and docs/policies/ are generated (and their examples are copies).
GUIDES = {path.name: path.read_text() for path in sorted((ROOT / "docs").glob("*.md"))}
COMPONENTS_GUIDE = GUIDES["components.md"]
EXAMPLES = [
    (name, example)
    for name, text in [("README.md", README), *(("docs/" + n, t) for n, t in GUIDES.items())]
    for example in re.findall(r"```python\n(.*?)```", text, flags=re.S)
]


def section(title: str, text: str = README, where: str = "README") -> str:
    """The lines under the heading `title` up to the next heading, a `#` inside a code block not being one."""
    lines, fenced, start = text.split("\n"), False, None
    for index, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"^#+ ", line):
            if start is not None:
                return "\n".join(lines[start:index]) + "\n"
            if re.sub(r"^#+ ", "", line) == title:
                start = index + 1
    assert start is not None, f"{where} has no section {title!r}"
    return "\n".join(lines[start:]) + "\n"


def first_column(table_text: str) -> set[str]:
    return {m for m in re.findall(r"^\| `([^`]+)`", table_text, flags=re.M)}


@pytest.mark.parametrize(("file", "example"), EXAMPLES, ids=[f"{f}-{i}" for i, (f, _) in enumerate(EXAMPLES)])
def test_python_examples_run(file, example):
    plan = plan_of(lambda: exec(compile(example, file, "exec"), {"__name__": "__main__"}))
    assert any(r["type"].startswith("hardened:index:") for r in resources(plan))


def test_the_quick_start_example_builds_what_it_says():
    quick_start = re.findall(r"```python\n(.*?)```", section("Quick start"), flags=re.S)[0]
    assert quick_start == EXAMPLES[0][1]  # the README's first program, which tests/test_package.py installs and runs
    plan = plan_of(lambda: exec(compile(quick_start, "README.md", "exec"), {"__name__": "__main__"}))
    lock = one(plan, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")
    assert lock["inputs"]["rule"] == {"defaultRetention": {"days": 2555, "mode": "COMPLIANCE"}}
    assert one(plan, "aws:s3/bucket:Bucket")["lands_in"]["account"] == "444455556666"


def test_setup_is_exactly_two_make_targets():
    commands = re.findall(r"^(make \w+)", section("Set-up: two commands"), flags=re.M)
    assert commands == ["make plan", "make test"]
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^plan:", makefile, flags=re.M) and re.search(r"^test:", makefile, flags=re.M)
    assert "make test" in (ROOT / ".ci/run").read_text()


def test_plan_schema_tables_list_every_documented_key():
    schema = json.loads((ROOT / "tools/hardened_tools/plan/plan.schema.json").read_text())
    tables = section("Plan JSON schema (version 1)", GUIDES["offline-plan.md"], "docs/offline-plan.md")
    documented = first_column(tables)
    assert set(schema["properties"]) | set(schema["$defs"]["resource"]["properties"]) == documented


PUBLIC_COMPONENTS = [
    name
    for module in (hardened.aws, hardened.gcp)
    for name in module.__all__
    if isinstance(getattr(module, name), type) and issubclass(getattr(module, name), pulumi.ComponentResource)
]


@pytest.mark.parametrize("component", PUBLIC_COMPONENTS)
def test_component_arguments_and_outputs_are_documented(component):
    module, cloud = (hardened.aws, "AWS") if hasattr(hardened.aws, component) else (hardened.gcp, "GCP")
    text = section(f"`{component}` ({cloud}): `{module.__name__}.{component}`", COMPONENTS_GUIDE, "docs/components.md")
    component_class = getattr(module, component)
    # The arguments are listed in the generated argument reference (tests/test_argument_reference.py holds it to the
    # code); each component's section links to its table.
    assert f"[the argument reference](arguments.md#{component.lower()}args)" in text
    assert f"### {component}Args" in GUIDES["arguments.md"]
    output_rows = re.search(r"^\| Output \|.*?\n\n", text, flags=re.S | re.M).group(0)
    documented = set(re.findall(r"`(\w+)`", output_rows))
    assert documented == {name for name in component_class.__annotations__ if name != "provider"} | (
        {"provider"} & documented
    )


@pytest.mark.parametrize(("module", "cloud"), [(hardened.aws, "AWS"), (hardened.gcp, "GCP")], ids=["aws", "gcp"])
def test_every_public_component_has_a_section(module, cloud):
    components = {
        name
        for name in module.__all__
        if isinstance(getattr(module, name), type) and issubclass(getattr(module, name), pulumi.ComponentResource)
    }
    assert components == set(re.findall(rf"^### `(\w+)` \({cloud}\)", COMPONENTS_GUIDE, flags=re.M))


# --- Links ------------------------------------------------------------------------------------------------------


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors of a page's headings (outside code blocks): lower case, punctuation but - and _ dropped, each
    space a hyphen; a repeated heading gets -1, -2, ..."""
    found: set[str] = set()
    fenced = False
    for line in markdown.split("\n"):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (heading := re.match(r"^#{1,6} (.+)$", line)):
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-")
            candidate, n = slug, 0
            while candidate in found:
                n += 1
                candidate = f"{slug}-{n}"
            found.add(candidate)
    return found


PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), ROOT / "CONTRIBUTING.md", ROOT / "CHANGELOG.md"]


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_lands_on_a_file_and_heading_that_exist(page):
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved.read_text()):
            broken.append(f"{target} (no such heading)")
    assert broken == [], f"{page.relative_to(ROOT)} links to what does not exist: {broken}"
