"""The stack program: `pulumi up --stack <name>` (and `hardened plan --stack <name>`) run this file.

`kind` in the stack file says what the stack builds; the whole config is validated first, so a bad
value stops the run before any resource is declared.
"""

import pulumi
from cross_stack import check_against_organization
from environment import environment
from organization import organization
from stack_config import KINDS, EnvironmentStackConfig, OrganizationStackConfig

from hardened.config import read_stack_config
from hardened.errors import StackConfigError

stack = pulumi.get_stack()
source = f"stacks/Pulumi.{stack}.yaml"
kind = pulumi.Config().get("kind")
if kind == "organization":
    organization(stack, read_stack_config(OrganizationStackConfig, source=source))
elif kind == "environment":
    config = read_stack_config(EnvironmentStackConfig, source=source)
    # What the organization stack's SCPs and settings would refuse, refused here, before anything is declared.
    check_against_organization(stack, config, source, pulumi.get_project())
    environment(stack, config)
else:
    raise StackConfigError(
        f"{source}: invalid config. key '{pulumi.get_project()}:kind' must be one of {', '.join(KINDS)} "
        f"(got {kind!r}): organization for the stack run against the management account, environment for dev, staging, prod."
    )
