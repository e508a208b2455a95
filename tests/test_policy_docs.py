"""docs/policies/ cannot rot: every committed file is what `scripts/render_policies.py` renders from the code today.

The script renders in memory here and its output is compared with the committed files; every public function of the
documents modules that returns a dict (or a list of dicts) must be rendered or listed in NOT_DOCUMENTS with a reason,
so a new document function cannot be left out.
"""

import importlib.util
import inspect
import json
import typing
from pathlib import Path

import pytest
from module_files import module_from_file

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT / "scripts" / "render_policies.py"


def load_tool():
    return module_from_file("render_policies", TOOL)


render_policies = load_tool()


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    return render_policies.render()


def test_committed_files_are_current(rendered):
    stale = render_policies.stale(rendered)
    assert not stale, (
        f"docs/policies/ is stale: {', '.join(stale)} differ from what the code renders; {render_policies.REGENERATE}"
    )


def test_rendering_is_deterministic(rendered):
    assert render_policies.render() == rendered


def _returns_documents(function) -> bool:
    """True when the annotation says dict, dict[...], list[dict] (or says nothing): such a function must be classified."""
    annotation = inspect.signature(function, eval_str=True).return_annotation
    if annotation is inspect.Signature.empty or annotation is dict:
        return True
    origin = typing.get_origin(annotation)
    if origin is dict:
        return True
    if origin is list:
        (item,) = typing.get_args(annotation) or (None,)
        return item is dict or typing.get_origin(item) is dict
    return False


def public_dict_functions() -> set[tuple[str, str]]:
    found = set()
    for name in render_policies.all_modules():
        module = importlib.import_module(f"hardened.{name}")
        for attribute, value in vars(module).items():
            if attribute.startswith("_") or not inspect.isfunction(value) or value.__module__ != module.__name__:
                continue
            if _returns_documents(value):
                found.add((name, attribute))
    return found


def test_every_document_function_is_rendered_or_excused():
    rendered_functions = {(doc.module, doc.function) for doc in render_policies.DOCUMENTS}
    excused = set(render_policies.NOT_DOCUMENTS)
    forgotten = sorted(public_dict_functions() - rendered_functions - excused)
    assert not forgotten, (
        f"these functions return a dict but are neither in DOCUMENTS nor in NOT_DOCUMENTS of scripts/render_policies.py: "
        f"{forgotten}; add each to one of them (NOT_DOCUMENTS with the reason it is not a document), then "
        f"{render_policies.REGENERATE}"
    )
    assert not rendered_functions & excused, f"both rendered and excused: {sorted(rendered_functions & excused)}"
    assert all(why.strip() for why in render_policies.NOT_DOCUMENTS.values()), (
        "every NOT_DOCUMENTS entry needs a reason"
    )


@pytest.mark.parametrize(
    "entry", sorted({(d.module, d.function) for d in render_policies.DOCUMENTS} | set(render_policies.NOT_DOCUMENTS))
)
def test_every_listed_function_exists(entry):
    module_name, function = entry
    module = importlib.import_module(f"hardened.{module_name}")
    assert inspect.isfunction(getattr(module, function, None)), (
        f"scripts/render_policies.py lists hardened.{module_name}.{function}, which no longer exists: remove or rename it "
        f"there, then {render_policies.REGENERATE}"
    )


def test_a_changed_document_function_makes_the_files_stale(monkeypatch, rendered):
    from hardened.aws.documents import mfa

    original = mfa.require_mfa

    def changed() -> dict:
        document = original()
        return {**document, "Statement": document["Statement"][:-1]}

    changed.__doc__ = original.__doc__
    monkeypatch.setattr(mfa, "require_mfa", changed)
    assert render_policies.render()["aws-mfa.md"] != rendered["aws-mfa.md"]


def test_a_changed_statement_helper_makes_the_files_stale(monkeypatch, rendered):
    from hardened.aws.documents import bucket_policy

    original = bucket_policy.deny_outdated_tls
    monkeypatch.setattr(
        bucket_policy, "deny_outdated_tls", lambda bucket_arn, minimum_version="1.2": original(bucket_arn, "1.3")
    )
    assert render_policies.render()["aws-bucket_policy.md"] != rendered["aws-bucket_policy.md"]


def test_a_changed_docstring_makes_the_files_stale(monkeypatch, rendered):
    from hardened.gcp.documents import org_policies

    def no_public_buckets() -> dict:
        """Another reason."""
        return {"rules": [{"enforce": "TRUE"}]}

    monkeypatch.setattr(org_policies, "no_public_buckets", no_public_buckets)
    assert render_policies.render()["gcp-org_policies.md"] != rendered["gcp-org_policies.md"]


def test_a_removed_document_function_fails(monkeypatch):
    from hardened.aws.documents import vault_policy

    monkeypatch.delattr(vault_policy, "backup_vault_access_policy")
    with pytest.raises(AttributeError):
        render_policies.render()


def test_check_lists_stale_files_and_write_fixes_them(monkeypatch, tmp_path, capsys, rendered):
    monkeypatch.setattr(render_policies, "OUT", tmp_path)
    assert render_policies.main(["--check"]) == 1
    assert "stale: docs/policies/aws-mfa.md" in capsys.readouterr().out
    assert render_policies.main(["--write"]) == 0
    assert render_policies.main(["--check"]) == 0
    (tmp_path / "aws-mfa.md").write_text("edited by hand\n")
    (tmp_path / "aws-gone.md").write_text("a module that no longer exists\n")
    assert render_policies.main(["--check"]) == 1
    out = capsys.readouterr().out
    assert "stale: docs/policies/aws-mfa.md" in out and "stale: docs/policies/aws-gone.md" in out
    assert "--write" in out
    render_policies.main(["--write"])
    assert not (tmp_path / "aws-gone.md").exists()
    assert {p.name: p.read_text() for p in tmp_path.glob("*.md")} == rendered


def test_statements_are_headed_by_their_sid_and_shown_as_sorted_json(rendered):
    text = rendered["aws-bucket_policy.md"]
    assert "### 1. `DenyInsecureTransport`\n\nNo request over plain HTTP (CIS AWS 2.1.1, FSBP S3.5).\n" in text
    from hardened.aws.documents import bucket_policy

    statement = bucket_policy.deny_insecure_transport(render_policies.P["bucket"])
    assert json.dumps(statement, indent=2, sort_keys=True) in text


def test_ids_are_placeholders(rendered):
    """No id but the placeholders: a document with a real-looking id would be a copy of someone's stack."""
    import re

    allowed = {
        m for value, _ in render_policies.PLACEHOLDERS.values() for m in re.findall(r"\b[0-9]{12}\b", str(value))
    }
    for name, text in rendered.items():
        ids = set(re.findall(r"\b[0-9]{12}\b", text))
        assert ids <= allowed, f"{name} holds ids that are not placeholders: {sorted(ids - allowed)}"


def test_the_index_lists_every_file(rendered):
    index = rendered["README.md"]
    for name in rendered:
        if name != "README.md":
            assert f"[{name}]({name})" in index
