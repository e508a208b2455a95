"""The plan says what each resource means to the backups, from the one catalogue (`hardened.resource_types`):
beside every resource of a catalogued type in the text tree and the markdown's inputs, and as a column of the
markdown table."""

import re

from planning import shipped_plan

from hardened.resource_types import CATALOGUE, ROLE_WORDS, meaning_of
from hardened_tools.plan.render import render_markdown, render_text


def test_every_role_is_worded():
    assert set(ROLE_WORDS) == {m.role for m in CATALOGUE.values()}


def test_the_text_tree_says_what_each_catalogued_resource_means():
    plan = shipped_plan("prod")
    lines = render_text(plan).splitlines()
    seen = 0
    for resource in plan["resources"]:
        title = next(i for i, line in enumerate(lines) if re.search(rf"(── |^){re.escape(resource['name'])} \(", line))
        following = lines[title + 1] if title + 1 < len(lines) else ""
        meaning = meaning_of(resource["type"])
        if meaning is None:
            assert "means:" not in following, resource["name"]
        else:
            seen += 1
            assert following.strip("│ ") == f"means: {meaning.described}", resource["name"]
    assert seen > 40


def test_a_bucket_and_a_lifecycle_are_described_in_words():
    bucket = meaning_of("aws:s3/bucket:Bucket")
    assert bucket.described == "holds data or evidence (removing it: the bucket and the copies in it)"
    lifecycle = meaning_of("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    assert lifecycle.described == "guards a store (removing it: weakens nothing)"


def test_the_markdown_table_names_each_resource_role():
    plan = shipped_plan("prod")
    markdown = render_markdown(plan)
    assert "| Resource | Type | Lands in | protect | retain_on_delete | Means |" in markdown
    for resource in plan["resources"]:
        if resource["type"] == "pulumi:pulumi:Stack":
            continue
        meaning = meaning_of(resource["type"])
        row = next(line for line in markdown.splitlines() if line.startswith(f"| `{resource['name']}` |"))
        assert row.endswith(f" | {meaning.role if meaning else '-'} |"), row
