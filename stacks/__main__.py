"""The stack program: `pulumi up --stack <name>` (and `hardened plan --stack <name>`) run this file.

The whole config is validated first, so a bad value stops the run before any resource is declared.
"""

import pulumi

from hardened.config import read_stack_config
from stack_config import StackConfig
from workload_environment import workload_environment

stack = pulumi.get_stack()
config = read_stack_config(StackConfig, source=f"stacks/Pulumi.{stack}.yaml")
workload_environment(stack, config)
