"""The KMS key behind every store of backups or logs: rotating, slow to delete, tagged as protected."""

import pulumi
import pulumi_aws as aws

from .tags import PROTECTED_KEY_TAG

KEY_DELETION_WINDOW_DAYS = 30  # the longest KMS allows: a month to notice and cancel


def protected_key(
    name: str,
    description: str,
    policy: pulumi.Input[str],
    tags: dict[str, str],
    parent: pulumi.Resource,
    provider: pulumi.ProviderResource | None = None,
) -> aws.kms.Key:
    """Declare `<name>-key` and its alias under `parent`; the key can be neither deleted nor replaced by Pulumi."""
    key = aws.kms.Key(
        f"{name}-key",
        description=description,
        enable_key_rotation=True,
        deletion_window_in_days=KEY_DELETION_WINDOW_DAYS,
        policy=policy,
        # The key policy grants its creator (the deployment role) no kms:PutKeyPolicy, which KMS's lockout
        # safety check would refuse at CreateKey; sealing the key against that role is the point. The provider
        # sends the same flag on a later PutKeyPolicy, which the guardrail SCPs deny: a policy change is made
        # by break-glass without the flag (docs/deploying.md, "Changing a sealed key's policy").
        bypass_policy_lockout_safety_check=True,
        # The tag puts the key under the workload guardrails, which also deny removing it.
        tags={**tags, PROTECTED_KEY_TAG: name},
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, protect=True, retain_on_delete=True),
    )
    aws.kms.Alias(
        f"{name}-key-alias",
        name=f"alias/{name}",
        target_key_id=key.key_id,
        opts=pulumi.ResourceOptions(parent=parent, provider=provider),
    )
    return key
