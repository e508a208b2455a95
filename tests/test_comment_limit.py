"""Markdown for pull-request comments stays under GitHub's limit, cutting the least important first and saying so."""

import re
import sys
from pathlib import Path

import pytest

from hardened_tools.comment_limit import GITHUB_COMMENT_LIMIT, most_that_fit
from hardened_tools.plan import build_plan, find_project, run_stack
from hardened_tools.plan.render import render_markdown
from hardened_tools.posture.render import render_markdown as posture_markdown

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from scaled_project import scaled_project  # noqa: E402

UNLIMITED = 10**9


def test_most_that_fit_is_the_largest_count_that_fits():
    assert most_that_fit(10, lambda n: n * 7 <= 50) == 7
    assert most_that_fit(10, lambda n: True) == 10
    assert most_that_fit(10, lambda n: n == 0) == 0
    assert most_that_fit(0, lambda n: True) == 0


# --- The plan ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fleet(tmp_path_factory) -> dict:
    """The shipped organization stack with twelve workload accounts."""
    copy = scaled_project(tmp_path_factory.mktemp("fleet") / "project", 12)
    return build_plan(run_stack(find_project(copy), "org"))


def _table_rows(markdown: str) -> list[str]:
    return re.findall(
        r"^\| `[^`]+` \| `[^`]+` \| .+ \| (?:yes|no) \| (?:yes|no) \| [a-z-]+ \|$", markdown, re.MULTILINE
    )


@pytest.mark.slow
def test_a_fleets_plan_fits_in_a_comment_and_says_what_was_cut(fleet):
    assert len(render_markdown(fleet, limit=UNLIMITED)) > GITHUB_COMMENT_LIMIT
    markdown = render_markdown(fleet)
    assert len(markdown) <= GITHUB_COMMENT_LIMIT
    assert markdown.startswith(
        "### Offline plan of `org` (hardened-accounts)\n\nStack 'org' of project hardened-accounts: "
    )
    assert (
        "… the security-relevant inputs of every resource are not shown: a pull-request comment holds at most "
        "64,000 characters here. Run `hardened plan --stack org` to see them all." in markdown
    )
    assert "<details>" not in markdown
    # Every resource is either a row of the table or counted by type, protected or not.
    listed = [r for r in fleet["resources"] if r["type"] != "pulumi:pulumi:Stack"]
    rows = _table_rows(markdown)
    (cut,) = re.findall(r"^… and (\d+) more resources not shown in this table", markdown, re.MULTILINE)
    counted = re.findall(
        r"^\| `([^`]+)` \| (\d+) \| (yes|no|\d+ of \d+) \| (yes|no|\d+ of \d+) \|$", markdown, re.MULTILINE
    )
    assert len(rows) + int(cut) == len(listed) and sum(int(n) for _, n, _, _ in counted) == int(cut)
    # The rare ones are rows: every account and the trail, and the break-glass rules that are not protected.
    accounts = [r for r in listed if r["type"] == "aws:organizations/account:Account"]
    assert len(accounts) > 12 and all(f"| `{a['name']}` | `{a['type']}` |" in markdown for a in accounts)
    assert "| `aws:cloudtrail/trail:Trail` |" in markdown
    unprotected_rules = [r for r in listed if r["type"] == "aws:cloudwatch/eventRule:EventRule" and not r["protect"]]
    assert unprotected_rules and all(f"| `{r['name']}` |" in markdown for r in unprotected_rules)
    # The stack outputs stay, whole: they fit in what the table leaves.
    assert (
        markdown.endswith("```\n")
        and "```text\nStack outputs:\n" in markdown
        and "more lines of stack outputs" not in markdown
    )


@pytest.fixture(scope="module")
def small() -> dict:
    return build_plan(run_stack(find_project(ROOT / "tests/fixtures/stack_references"), "org"))


def test_a_small_plan_is_not_cut(small):
    markdown = render_markdown(small)
    assert markdown == render_markdown(small, limit=len(markdown))
    assert (
        "not shown" not in markdown
        and "<details><summary>Security-relevant inputs of every resource</summary>" in markdown
    )


def _resource(n: int, type_: str = "aws:kms/key:Key", inputs: dict | None = None, protect: bool = True) -> dict:
    return {
        "urn": f"urn:pulumi:s::p::{type_}::r{n}",
        "type": type_,
        "name": f"r{n}",
        "parent": "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s",
        "custom": True,
        "protect": protect,
        "retain_on_delete": False,
        "inputs": inputs or {},
        "computed_inputs": [],
        "lands_in": {"cloud": "aws", "account": "111122223333", "region": "eu-west-1"},
    }


def _plan(resources: list[dict], outputs: dict | None = None) -> dict:
    stack = {
        "urn": "urn:pulumi:s::p::pulumi:pulumi:Stack::p-s",
        "type": "pulumi:pulumi:Stack",
        "name": "p-s",
        "parent": None,
        "custom": False,
        "protect": False,
        "retain_on_delete": False,
        "inputs": {},
        "lands_in": None,
    }
    return {
        "project": "p",
        "stack": "s",
        "resources": [stack, *resources],
        "outputs": outputs or {},
        "computed_outputs": [],
    }


def test_the_layout_of_a_plan_that_fits_is_as_before():
    plan = _plan([_resource(1, inputs={"description": "the key"})], {"keyId": "k"})
    assert render_markdown(plan) == (
        "### Offline plan of `s` (p)\n\n"
        "Stack 's' of project p: `pulumi up` would create 1 resource in 0 components, landing in 1 account or project.\n\n"
        "| Resource | Type | Lands in | protect | retain_on_delete | Means |\n|---|---|---|---|---|---|\n"
        "| `r1` | `aws:kms/key:Key` | aws account 111122223333 eu-west-1 | yes | no | store |\n\n"
        "<details><summary>Security-relevant inputs of every resource</summary>\n\n```text\n"
        "p-s (pulumi:pulumi:Stack)\n"
        "└── r1 (aws:kms/key:Key) -> aws account 111122223333 eu-west-1 [protect]\n"
        "        means: holds data or evidence (removing it: what it encrypts is unreadable once it is deleted)\n"
        "        description: the key\n"
        "```\n\n</details>\n\n```text\nStack outputs:\n  keyId: k\n```\n"
    )


def test_the_inputs_are_cut_first_whole_resources_at_a_time():
    plan = _plan([_resource(n, inputs={"description": "d" * 300}) for n in range(40)])
    full = render_markdown(plan, limit=UNLIMITED)
    markdown = render_markdown(plan, limit=10_000)
    assert len(full) > 10_000 >= len(markdown)
    assert _table_rows(markdown) == _table_rows(full)
    (shown,) = re.findall(r"<summary>Security-relevant inputs of the first (\d+) resources</summary>", markdown)
    (cut,) = re.findall(
        r"^… the security-relevant inputs of (\d+) more resources are not shown: a pull-request comment "
        r"holds at most 10,000 characters here\. Run `hardened plan --stack s` to see them all\.$",
        markdown,
        re.MULTILINE,
    )
    assert int(shown) + int(cut) == 41  # the stack itself is the first block
    assert markdown.count(" description: " + "d" * 300 + "\n") == int(shown) - 1


def test_then_the_stack_outputs_then_the_table_each_cut_counted():
    outputs = {f"output{n}": "o" * 100 for n in range(100)}
    plan = _plan([_resource(n, protect=n % 2 == 0) for n in range(20)], outputs)
    markdown = render_markdown(plan, limit=6_000)
    assert len(markdown) <= 6_000 and len(_table_rows(markdown)) == 20
    assert re.search(
        r"^… and \d+ more lines of stack outputs not shown: a pull-request comment", markdown, re.MULTILINE
    )

    plan = _plan([_resource(n, protect=n != 7) for n in range(200)], outputs)
    markdown = render_markdown(plan, limit=6_000)
    assert len(markdown) <= 6_000
    # The one unprotected key is a row; the protected ones the table has no room for are counted.
    assert "| `r7` | `aws:kms/key:Key` | aws account 111122223333 eu-west-1 | no | no |" in markdown
    (cut,) = re.findall(r"^… and (\d+) more resources not shown in this table", markdown, re.MULTILINE)
    assert f"| `aws:kms/key:Key` | {cut} | yes | no |" in markdown
    assert len(_table_rows(markdown)) + int(cut) == 200
    outputs_block = markdown[markdown.index("```text\nStack outputs:") :]
    assert len(outputs_block) <= 6_000 // 4 + len("```text\n```\n")


def test_a_single_remaining_item_is_counted_in_the_singular():
    plan = _plan([_resource(n, inputs={"description": "d" * 300}) for n in range(10)])
    full = render_markdown(plan, limit=UNLIMITED)
    last_block = len("    description: " + "d" * 300) + 60
    markdown = render_markdown(plan, limit=len(full) - last_block // 2)
    assert "… the security-relevant inputs of 1 more resource are not shown:" in markdown


# --- The posture scorecard -----------------------------------------------------------------------------------


def _card(evidence: int) -> dict:
    return {
        "stack": "prod",
        "kind": "environment",
        "tier": "production",
        "summary": {"fail": 1, "warn": 0, "pass": 1},
        "controls": [
            {
                "id": "mfa",
                "title": "MFA on every human path",
                "status": "pass",
                "benchmarks": [],
                "evidence": [f"pass {n}: " + "p" * 100 for n in range(evidence)],
            },
            {
                "id": "copies",
                "title": "3-2-1 copies",
                "status": "fail",
                "benchmarks": ["FSBP S3.1"],
                "evidence": [f"fail {n}: " + "f" * 100 for n in range(evidence)],
            },
        ],
    }


def test_a_scorecard_that_fits_is_not_cut():
    card = _card(2)
    markdown = posture_markdown(card)
    assert "not shown" not in markdown and "Evidence cut" not in markdown
    assert markdown == (
        "### Security posture of stack 'prod' (environment, production): 1 fail, 0 warn, 1 pass\n\n"
        "| Status | Control | Benchmarks |\n|---|---|---|\n"
        "| **FAIL** | 3-2-1 copies (`copies`) | FSBP S3.1 |\n| **PASS** | MFA on every human path (`mfa`) | - |\n\n"
        "<details><summary>FAIL: 3-2-1 copies</summary>\n\n"
        + "".join(f"- fail {n}: {'f' * 100}\n" for n in range(2))
        + "\n</details>\n<details><summary>PASS: MFA on every human path</summary>\n\n"
        + "".join(f"- pass {n}: {'p' * 100}\n" for n in range(2))
        + "\n</details>\n"
    )


def test_a_long_scorecard_keeps_the_table_and_the_failed_controls_evidence_first():
    card = _card(400)
    markdown = posture_markdown(card, limit=50_000)
    assert len(posture_markdown(card, limit=UNLIMITED)) > 50_000 >= len(markdown)
    assert (
        "| **FAIL** | 3-2-1 copies (`copies`) | FSBP S3.1 |\n| **PASS** | MFA on every human path (`mfa`) | - |"
        in markdown
    )
    assert (
        "Evidence cut: a pull-request comment holds at most 50,000 characters here. "
        "Run `hardened posture --stack prod` to see it all."
    ) in markdown
    assert all(f"- fail {n}: " in markdown for n in range(400))
    (cut,) = re.findall(r"^- … (\d+) more items of evidence not shown$", markdown, re.MULTILINE)
    assert markdown.count("- pass ") + int(cut) == 400

    markdown = posture_markdown(card, limit=20_000)
    assert len(markdown) <= 20_000 and "- pass " not in markdown and "- … 400 items of evidence not shown" in markdown
    assert "<details><summary>PASS: MFA on every human path</summary>" in markdown


# --- The security diff (commit with review/diff.py's _markdown) ---------------------------------------------


def _diff(weakenings: int, changed: int):
    from hardened_tools.review.diff import Change, Diff, ResourceChange, Weakening

    changes = {
        f"urn:{n}": ResourceChange(
            f"urn:{n}",
            "aws:s3/bucket:Bucket",
            f"bucket{n}",
            tuple(Change(f"inputs.setting{k}", "a" * 40, "b" * 40) for k in range(5)),
        )
        for n in range(changed)
    }
    found = [
        Weakening(f"urn:{n}", "retention-shortened", f"bucket{n}: retention 35 → 7 days " + "w" * 100)
        for n in range(weakenings)
    ]
    return Diff("p", "prod", changed=changes, weakenings=found)


def test_a_diff_that_fits_is_not_cut():
    from hardened_tools.review.diff import render_diff

    markdown = render_diff(_diff(1, 2), "markdown")
    assert "not shown" not in markdown
    assert markdown.startswith("## SECURITY WEAKENED: 1 weakening in stack prod\n\n| Kind | Weakening |\n|---|---|\n")
    assert markdown.endswith(
        "- `bucket1` (aws:s3/bucket:Bucket)\n"
        + "".join(f"  - `inputs.setting{k}`: {'a' * 40} → {'b' * 40}\n" for k in range(5))
    )


def test_a_long_diff_cuts_the_changes_before_the_weakenings():
    from hardened_tools.review.diff import _markdown

    diff = _diff(3, 1000)
    markdown = _markdown(diff)
    assert len(markdown) <= GITHUB_COMMENT_LIMIT < len(_markdown(diff, limit=UNLIMITED))
    assert all(f"| **`retention-shortened`** | bucket{n}: retention 35 → 7 days" in markdown for n in range(3))
    assert "resources: 0 added, 0 removed, 1000 changed; stack outputs changed: 0" in markdown
    assert re.search(
        r"^… and \d+ more lines of changes not shown: a pull-request comment holds at most 64,000 characters "
        r"here\. Run `hardened diff` on the two plans \(text or JSON format\) to see them all\.$",
        markdown,
        re.MULTILINE,
    )

    markdown = _markdown(_diff(400, 10), limit=20_000)
    assert len(markdown) <= 20_000
    assert re.search(
        r"^\| … \| \d+ more weakenings not shown: a pull-request comment holds at most 20,000", markdown, re.MULTILINE
    )
    assert "resources: 0 added, 0 removed, 10 changed" in markdown and "more lines of changes not shown" in markdown
