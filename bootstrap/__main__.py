"""The bootstrap program: `pulumi up --stack management` here (and `hardened plan --stack management --project-dir
bootstrap`) run this file.

The config is validated whole first (`bootstrap_config.py`), so a bad value stops the run before anything is
declared; `bootstrap_stack.py` declares the rest. What cannot be code is in docs/bootstrap.md.
"""

import pulumi
from bootstrap_config import BootstrapStackConfig
from bootstrap_stack import bootstrap

from hardened.config import read_stack_config

stack = pulumi.get_stack()
bootstrap(stack, read_stack_config(BootstrapStackConfig, source=f"bootstrap/Pulumi.{stack}.yaml"))
