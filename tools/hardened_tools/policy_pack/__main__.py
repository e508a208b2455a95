"""The hardened-accounts policy pack: `pulumi preview --policy-pack "$(hardened policy-pack path)"` runs this file.

Constructing the PolicyPack starts the server the engine talks to, and never returns: the policies
themselves live in hardened_policies.py, which tests import without starting anything.
"""

from hardened_policies import POLICIES
from pulumi_policy import PolicyPack

PolicyPack("hardened-accounts", policies=list(POLICIES))
