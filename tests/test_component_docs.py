"""docs/components/ has one page per public component, each exactly what scripts/component_docs.py renders from the
code, and `help(<Component>)` lists the component's own arguments and outputs.

The pages are checked as a whole (regenerating gives the same bytes) and, independently of the generator, against
the code: each page's Args table lists exactly the TypedDict's fields with their required-ness and docstrings, and its
Outputs table exactly the attributes the class annotates. The docstrings are read here by the tests' own reader
(tests/source_docstrings.py), not by `hardened.documented.field_docstrings`, which the generator and `help()` use.
"""

import difflib
import functools
import inspect
import pydoc
import re
from pathlib import Path

import pulumi
import pytest
from module_files import module_from_file
from source_docstrings import description, source_docstrings

import hardened.aws
import hardened.gcp
from hardened.documented import ARGUMENTS, OUTPUTS

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "docs" / "components"
TOOL = ROOT / "scripts" / "component_docs.py"
# Where the pages' examples come from: the components guide, and the README's quick start.
EXAMPLE_SOURCES = (ROOT / "docs" / "components.md").read_text() + (ROOT / "README.md").read_text()


docs = module_from_file("component_docs", TOOL)
REGENERATE = docs.REGENERATE

COMPONENTS = {
    name: getattr(module, name)
    for module in (hardened.aws, hardened.gcp)
    for name in module.__all__
    if inspect.isclass(getattr(module, name)) and issubclass(getattr(module, name), pulumi.ComponentResource)
}


@functools.cache
def rendered() -> dict[str, str]:
    return docs.rendered()


def page_text(name: str) -> str:
    path = PAGES / f"{name}.md"
    if not path.is_file():
        pytest.fail(f"docs/components/{name}.md is missing; {REGENERATE}", pytrace=False)
    return path.read_text()


def cells(row: str) -> list[str]:
    return [c.strip() for c in re.split(r"(?<!\\)\|", row.strip())[1:-1]]


def table_after(text: str, heading: str) -> list[list[str]]:
    """The rows (header and rule left out) of the first table after the line `heading`."""
    lines = text.split("\n")
    assert heading in lines, f"no {heading!r} in the page"
    rows: list[list[str]] = []
    for line in lines[lines.index(heading) + 1 :]:
        if line.startswith("|"):
            rows.append(cells(line))
        elif rows:
            break
        elif line.startswith("#"):
            break
    return rows[2:]


def args_type(component: type) -> type:
    return inspect.get_annotations(component.__init__)["args"]


def first_paragraph(docstring: str) -> str:
    return description(docstring)


def attribute_docstrings(cls: type) -> dict[str, str]:
    """Name to the first paragraph of each annotated name's docstring, as the tests read it."""
    return {name: description(doc) for name, (doc, _) in source_docstrings(cls).items() if doc is not None}


# --- The pages as a whole ---------------------------------------------------------------------------------------


def test_every_public_component_has_a_page_and_an_index_row():
    assert len(COMPONENTS) >= 20, "the discovery found too few components"
    expected = {f"{name}.md" for name in COMPONENTS} | {"README.md"}
    present = {p.name for p in PAGES.glob("*.md")} if PAGES.is_dir() else set()
    missing, extra = sorted(expected - present), sorted(present - expected)
    assert not missing and not extra, f"docs/components/: missing {missing}, not a component {extra}; {REGENERATE}"
    assert set(rendered()) == expected, "scripts/component_docs.py renders other pages than the public components"
    index = (PAGES / "README.md").read_text()
    for name in COMPONENTS:
        assert f"[`{name}`]({name}.md)" in index, f"docs/components/README.md does not link {name}.md"


@pytest.mark.parametrize("name", [*COMPONENTS, "README"])
def test_page_is_exactly_the_generated_one(name):
    written, generated = page_text(name), rendered()[f"{name}.md"]
    if written != generated:
        diff = "".join(
            difflib.unified_diff(
                written.splitlines(True), generated.splitlines(True), f"docs/components/{name}.md", "generated"
            )
        )
        pytest.fail(f"docs/components/{name}.md is stale; {REGENERATE}\n{diff}", pytrace=False)


def test_the_check_names_a_stale_page_and_the_command(tmp_path, monkeypatch, capsys):
    out = tmp_path / "components"
    out.mkdir()
    for file_name, text in rendered().items():
        (out / file_name).write_text(text)
    monkeypatch.setattr(docs, "rendered", rendered)
    monkeypatch.setattr(docs, "OUT", out)
    assert docs.stale(out) == []
    (out / "ImmutableBucket.md").write_text(rendered()["ImmutableBucket.md"].replace("retention_days", "days", 1))
    (out / "Gone.md").write_text("# a component that no longer exists\n")
    assert docs.stale(out) == ["ImmutableBucket.md", "Gone.md (no such component)"]
    assert docs.main(["--check"]) == 1
    error = capsys.readouterr().err
    assert "docs/components/: ImmutableBucket.md" in error and "scripts/component_docs.py --write" in error


# --- Each page against the code, read independently ------------------------------------------------------------


@pytest.mark.parametrize("name", COMPONENTS)
def test_page_args_table_is_the_typed_dict(name):
    component = COMPONENTS[name]
    typed_dict = args_type(component)
    rows = table_after(page_text(name), f"### {typed_dict.__name__}")
    by_field = {row[0].strip("`"): row for row in rows}
    fields = list(typed_dict.__annotations__)
    assert [row[0].strip("`") for row in rows] == fields, (
        f"{name}'s page: the Args fields are not {fields}; {REGENERATE}"
    )
    docstrings = attribute_docstrings(typed_dict)
    for field in fields:
        row = by_field[field]
        required = "yes" if field in typed_dict.__required_keys__ else "no"
        assert row[2] == required, f"{name}'s page: {typed_dict.__name__}.{field} Required is {row[2]!r}; {REGENERATE}"
        assert row[3].replace("\\|", "|") == docstrings[field], (
            f"{name}'s page: the description of {typed_dict.__name__}.{field} is stale; {REGENERATE}"
        )


@pytest.mark.parametrize("name", COMPONENTS)
def test_page_outputs_table_is_the_class_annotations(name):
    component = COMPONENTS[name]
    rows = table_after(page_text(name), "## Outputs")
    annotations = list(inspect.get_annotations(component))
    assert [row[0].strip("`") for row in rows] == annotations, f"{name}'s page: the outputs are not {annotations}"
    docstrings = attribute_docstrings(component)
    for row in rows:
        assert row[2] == docstrings.get(row[0].strip("`"), ""), f"{name}'s page: output {row[0]} is stale"


@pytest.mark.parametrize("name", COMPONENTS)
def test_page_heads_with_the_type_token_and_the_class_docstring(name):
    text = page_text(name)
    assert f"Type token: `hardened:index:{name}`" in text
    assert first_paragraph(COMPONENTS[name].__doc__.split("\n\n" + ARGUMENTS.split("{")[0])[0]) in " ".join(
        text.split()
    )


@pytest.mark.parametrize("name", COMPONENTS)
def test_page_children_are_parented_names(name):
    rows = table_after(page_text(name), "## Children")
    assert rows, f"{name}'s page lists no children"
    for row in rows:
        assert len(row) == 4 and row[2] in ("yes", "no") and row[3] in ("yes", "no"), row


def test_page_examples_are_the_guides_examples():
    examples = re.findall(r"```python\n(.*?)```", EXAMPLE_SOURCES, flags=re.S)
    with_example = 0
    for name in COMPONENTS:
        for example in re.findall(r"```python\n(.*?)```", page_text(name), flags=re.S):
            assert example in examples, (
                f"{name}'s page has an example that is neither docs/components.md's nor README's; {REGENERATE}"
            )
            with_example += 1
    assert with_example >= 4, "the pages carry fewer examples than docs/components.md and README have for components"


def test_policy_links_resolve():
    for name in COMPONENTS:
        for target in re.findall(r"\]\((\.\./policies/[^)]+)\)", page_text(name)):
            assert (PAGES / target).resolve().is_file(), f"{name}'s page links {target}, which does not exist"


# --- help(<Component>) ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", COMPONENTS)
def test_help_shows_the_components_own_arguments_and_outputs_first(name):
    component = COMPONENTS[name]
    text = pydoc.render_doc(component, renderer=pydoc.plaintext)
    inherited = min(
        i for i in (text.find("Method resolution order"), text.find("ComponentResource.__init__"), len(text)) if i >= 0
    )
    # pydoc heads a class with `class X(pulumi.resource.ComponentResource)`: what counts is what comes after.
    start = text.index(ARGUMENTS.format(name=args_type(component).__name__))
    assert start < inherited, f"help({name}) shows its arguments after the inherited ComponentResource text"
    own = text[start:inherited]
    typed_dict = args_type(component)
    for field, docstring in attribute_docstrings(typed_dict).items():
        assert re.search(rf"\b{field} \((required|optional)\): ", own), f"help({name}) does not list {field}"
        assert " ".join(docstring.split()[:6]) in " ".join(own.replace("|", " ").split()), (
            f"help({name}) does not show the docstring of {field}"
        )
    assert OUTPUTS in own
    for output in inspect.get_annotations(component):
        assert re.search(rf"\b{output}: ", own.split(OUTPUTS, 1)[1]), f"help({name}) does not list output {output}"
    init_doc = inspect.getdoc(component.__init__) or ""
    assert ":param str t:" not in init_doc, f"help({name}) shows ComponentResource.__init__'s parameters as its own"
