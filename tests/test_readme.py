"""README.md cannot rot: its Python examples run as programs, and its tables match the code."""

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
EXAMPLES = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def section(title: str) -> str:
    match = re.search(rf"^#+ {re.escape(title)}\n(.*?)(?=^#+ )", README, flags=re.S | re.M)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def first_column(table_text: str) -> set[str]:
    return {m for m in re.findall(r"^\| `([^`]+)`", table_text, flags=re.M)}


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_python_examples_run(example):
    plan = plan_of(lambda: exec(compile(example, "README.md", "exec"), {"__name__": "__main__"}))
    assert any(r["type"].startswith("hardened:index:") for r in resources(plan))


def test_immutable_bucket_example_builds_what_it_says():
    plan = plan_of(lambda: exec(compile(EXAMPLES[0], "README.md", "exec"), {"__name__": "__main__"}))
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
    tables = section("Plan JSON schema (version 1)")
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
    text = section(f"`{component}` ({cloud}): `{module.__name__}.{component}`")
    component_class = getattr(module, component)
    # The arguments are listed once, in the generated argument reference (tests/test_readme_arguments.py holds it to
    # the code); each component's section links to its table.
    assert f"[the argument reference](#{component.lower()}args)" in text
    assert f"### {component}Args" in README
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
    assert components == set(re.findall(rf"^### `(\w+)` \({cloud}\)", README, flags=re.M))
