"""No URN of the shipped stacks moves: a URN is a resource's identity in Pulumi's state, so a moved one is a
delete and a create on the next `pulumi up` (for a protected resource, a refused one).

`tests/fixtures/urns/<stack>.txt` holds every URN each shipped stack's plan declares, protected ones marked
`protected`. Moving a module, renaming a class or reorganising a package must leave them all in place. A change
that really adds or removes resources rewrites the files (`python tests/test_urn_stability.py --write`) and the
diff of the files shows the reviewer exactly which identities it adds or drops.
"""

import sys
from pathlib import Path

import pytest
from planning import shipped_plan

SNAPSHOTS = Path(__file__).parent / "fixtures" / "urns"
STACKS = ("org", "prod", "staging", "dev")


def urn_lines(plan: dict) -> list[str]:
    return sorted(f"{'protected ' if r['protect'] else ''}{r['urn']}" for r in plan["resources"])


def committed(stack: str) -> list[str]:
    return (SNAPSHOTS / f"{stack}.txt").read_text().splitlines()


@pytest.mark.parametrize("stack", STACKS)
def test_no_urn_of_a_shipped_stack_moves(stack):
    planned = urn_lines(shipped_plan(stack))
    before = committed(stack)
    lost = sorted(set(before) - set(planned))
    lost_protected = [line for line in lost if line.startswith("protected ")]
    assert not lost_protected, f"{stack}: protected resources would move or be deleted:\n" + "\n".join(lost_protected)
    assert not lost, f"{stack}: URNs that would move or be deleted:\n" + "\n".join(lost)
    added = sorted(set(planned) - set(before))
    assert not added, (
        f"{stack}: new URNs; if the change means to add them, rewrite the snapshot "
        "(python tests/test_urn_stability.py --write):\n" + "\n".join(added)
    )


def test_the_snapshot_holds_every_protected_child_of_the_shipped_stacks():
    # A snapshot with no protected resource in it would let every protected URN move unnoticed.
    assert all(any(line.startswith("protected ") for line in committed(stack)) for stack in STACKS)


def write() -> None:
    SNAPSHOTS.mkdir(parents=True, exist_ok=True)
    for stack in STACKS:
        (SNAPSHOTS / f"{stack}.txt").write_text("\n".join(urn_lines(shipped_plan(stack))) + "\n")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_urn_stability.py --write")
    write()
