"""The policy pack's policies, wrapped from the library's rules (`hardened_tools.policy.rules`).

Importing this module builds the policies and starts nothing: only `__main__.py` constructs the
`PolicyPack`, which serves them to the Pulumi engine (and never returns).

Each `Rule` becomes a `ResourceValidationPolicy`, each `StackRule` a `StackValidationPolicy`, with the
rule's enforcement. The stack's tier comes from the policy config: every tier-aware policy (`TIER_AWARE`)
takes `{"tier": "production" | "non-production"}`, production by default.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from hardened_tools.policy.rules import (
    DEFAULT_TIER,
    RULES,
    STACK_RULES,
    TIERS,
    PlannedResource,
    Rule,
    StackRule,
    UnknownInput,
)

ENFORCEMENT_LEVELS = {"mandatory": EnforcementLevel.MANDATORY, "advisory": EnforcementLevel.ADVISORY}


def tier_config_schema() -> PolicyConfigSchema:
    return PolicyConfigSchema(
        properties={
            "tier": {
                "type": "string",
                "enum": list(TIERS),
                "default": DEFAULT_TIER,
                "description": "the stack's tier: production rules (COMPLIANCE locks, locked retention) apply unless non-production",
            },
        }
    )


def configured_tier(args: Any) -> str:
    """The tier the policy config gives (production when it gives none)."""
    tier = (args.get_config() or {}).get("tier", DEFAULT_TIER)
    if tier not in TIERS:
        raise ValueError(f"policy config 'tier' must be one of {', '.join(TIERS)} (got {tier!r})")
    return tier


@contextmanager
def unknowns_reported_as_pulumi_policy_does() -> Iterator[None]:
    """A value a rule needs is unknown during preview: pulumi-policy reports "can't run policy during preview"."""
    try:
        yield
    except UnknownInput as error:
        raise UnknownValueError(error.sentinel, error.path) from None


def resource_policy(rule: Rule) -> ResourceValidationPolicy:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in rule.resource_types:
            return
        with unknowns_reported_as_pulumi_policy_does():
            messages = rule.check(PlannedResource.from_policy_args(args, configured_tier(args)))
        for message in messages:
            report_violation(str(message), None)

    return ResourceValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=ENFORCEMENT_LEVELS[rule.enforcement],
        config_schema=tier_config_schema() if rule.uses_tier else None,
    )


def stack_policy(rule: StackRule) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        tier = configured_tier(args)
        with unknowns_reported_as_pulumi_policy_does():
            messages = rule.check([PlannedResource.from_policy_args(resource, tier) for resource in args.resources])
        for message in messages:
            report_violation(str(message), getattr(message, "urn", None))

    return StackValidationPolicy(
        name=rule.name,
        description=rule.description,
        validate=validate,
        enforcement_level=ENFORCEMENT_LEVELS[rule.enforcement],
        config_schema=tier_config_schema() if rule.uses_tier else None,
    )


RESOURCE_POLICIES: list[ResourceValidationPolicy] = [resource_policy(rule) for rule in RULES]
STACK_POLICIES: list[StackValidationPolicy] = [stack_policy(rule) for rule in STACK_RULES]
POLICIES = [*RESOURCE_POLICIES, *STACK_POLICIES]
_ALL_RULES: tuple[Rule | StackRule, ...] = (*RULES, *STACK_RULES)
TIER_AWARE: list[str] = [rule.name for rule in _ALL_RULES if rule.uses_tier]
