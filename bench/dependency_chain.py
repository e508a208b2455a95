"""The longest dependency chain through a plan: the resources the engine must create one after another.

`pulumi up` creates independent resources in parallel, so the longest chain of custom resources, each
waiting for the one before, bounds the deploy's wall time (chain length x slowest create). A resource
waits for:
- every resource in its `depends_on` (the plan records explicit `depends_on` and the resources whose
  outputs feed its inputs; a component stands for its custom descendants),
- its provider (a provider configured from a new account's id waits for that account),
- its parent when the parent is a custom resource (components cost nothing).
"""

from functools import cache


def prerequisites(plan: dict) -> dict[str, set[str]]:
    """For each custom resource's URN, the custom resources it waits for."""
    by_urn = {r["urn"]: r for r in plan["resources"]}
    children: dict[str, list[str]] = {}
    for r in plan["resources"]:
        if r["parent"]:
            children.setdefault(r["parent"], []).append(r["urn"])

    def custom_descendants(urn: str) -> set[str]:
        found: set[str] = set()
        for child in children.get(urn, []):
            found |= {child} if by_urn[child]["custom"] else set()
            found |= custom_descendants(child)
        return found

    waits: dict[str, set[str]] = {}
    for r in plan["resources"]:
        if not r["custom"]:
            continue
        needed: set[str] = set()
        for urn in r["depends_on"]:
            needed |= {urn} if by_urn[urn]["custom"] else custom_descendants(urn)
        if r["provider"] and r["provider"] in by_urn:
            needed.add(r["provider"])
        if r["parent"] in by_urn and by_urn[r["parent"]]["custom"]:
            needed.add(r["parent"])
        waits[r["urn"]] = needed
    return waits


def longest_chain(plan: dict, ending_in: set[str] | None = None) -> list[dict]:
    """The longest chain of custom resources, first created first; only chains ending in `ending_in` if given."""
    waits = prerequisites(plan)
    by_urn = {r["urn"]: r for r in plan["resources"]}

    @cache
    def chain_to(urn: str) -> tuple[str, ...]:
        before = max((chain_to(p) for p in sorted(waits[urn])), key=len, default=())
        return (*before, urn)

    ends = sorted(waits if ending_in is None else ending_in & set(waits))
    best = max((chain_to(urn) for urn in ends), key=len, default=())
    return [by_urn[urn] for urn in best]


def member_account_resources(plan: dict, key: str) -> set[str]:
    """URNs of one member account's resources in the org plan: what lands in the account, and what is named for it.

    `key` is the member's key (e.g. `workload-prod`); the account's own resource, its provider, guardrail
    SCP and attachment run in the management account but carry `<stack>-<key>-` in their names.
    """
    prefix = f"{plan['stack']}-{key}-"
    named = [r for r in plan["resources"] if r["custom"] and r["name"].startswith(prefix)]
    account_ids = {
        r["lands_in"]["account"] for r in named if r["type"].startswith("pulumi:providers:") and r.get("lands_in")
    }
    return {
        r["urn"]
        for r in plan["resources"]
        if r["custom"] and (r["name"].startswith(prefix) or (r.get("lands_in") or {}).get("account") in account_ids)
    }


def describe(chain: list[dict]) -> str:
    return " -> ".join(f"{r['name']} ({r['type'].split(':')[-1]})" for r in chain)
