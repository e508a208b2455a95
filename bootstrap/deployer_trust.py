"""Who may become the deployer: GitHub Actions runs of one repository's one branch, through IAM's OIDC provider.

GitHub's guide to OIDC in AWS: provider URL https://token.actions.githubusercontent.com, audience sts.amazonaws.com
for the official configure-aws-credentials action, and a condition on `token.actions.githubusercontent.com:sub`
(`repo:<owner>/<repo>:ref:refs/heads/<branch>`) so that no other repository, branch, tag or pull request gets a
token the role accepts (https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws).

Repositories under GitHub's immutable subject claims (the default for repositories created, renamed or transferred
since mid-2026, or opted in) get `repo:<owner>@<owner id>/<repo>@<repository id>:ref:...` instead: the numeric ids
are never reused, so a deleted or renamed repository's name claimed by someone else never matches
(https://github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens/).
"""

import re

from hardened.aws.documents.statements import policy_document

GITHUB_ACTIONS_ISSUER = "token.actions.githubusercontent.com"
"""The issuer (host) of GitHub Actions' OIDC tokens; IAM's provider URL is https:// before it."""
STS_AUDIENCE = "sts.amazonaws.com"
"""The audience aws-actions/configure-aws-credentials asks GitHub for."""
# Patterns both Python's `re` and pydantic (Rust regex: no look-around) read. An owner: up to 39 letters, digits and
# hyphens, starting with neither of the last; a repository name: letters, digits, . _ -.
REPOSITORY = r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$"
# A branch: slash-separated parts of letters, digits, . _ - (no wildcards IAM or a reader could mistake, no spaces).
BRANCH = r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$"
MAX_BRANCH = 255
# A GitHub account or repository id: a positive integer (the `repository_owner_id` and `repository_id` claims).
GITHUB_ID = r"^[1-9][0-9]{0,19}$"


def oidc_provider_arn(account_id: str) -> str:
    """The ARN IAM gives the GitHub Actions OIDC provider in `account_id` (named after the issuer's host; the
    standard partition, as the deployer ARNs of stacks/Pulumi.org.yaml)."""
    return f"arn:aws:iam::{account_id}:oidc-provider/{GITHUB_ACTIONS_ISSUER}"


def deploy_branch_subject(
    repository: str, branch: str, owner_id: str | None = None, repository_id: str | None = None
) -> str:
    """The `sub` claim of a GitHub Actions job on `branch` of `repository` that names no environment; with the
    owner's and the repository's ids, the immutable form GitHub gives such repositories."""
    if not re.fullmatch(REPOSITORY, repository, re.ASCII):
        raise ValueError(f"{repository!r} is not a GitHub repository such as acme/hardened-accounts")
    if len(branch) > MAX_BRANCH or not re.fullmatch(BRANCH, branch, re.ASCII):
        raise ValueError(f"{branch!r} is not a branch name without wildcards, such as main")
    if (owner_id is None) != (repository_id is None):
        raise ValueError("give both the owner's and the repository's id, or neither")
    if owner_id is None or repository_id is None:
        return f"repo:{repository}:ref:refs/heads/{branch}"
    for number in (owner_id, repository_id):
        if not re.fullmatch(GITHUB_ID, number, re.ASCII):
            raise ValueError(f"{number!r} is not a GitHub id, a positive integer such as 123456")
    owner, name = repository.split("/")
    return f"repo:{owner}@{owner_id}/{name}@{repository_id}:ref:refs/heads/{branch}"


def deployer_trust_of_the_deploy_branch(
    oidc_provider_arn: str,
    repository: str,
    branch: str,
    deployer_role_arn: str,
    owner_id: str | None = None,
    repository_id: str | None = None,
) -> dict:
    """The deployer role's trust: only a GitHub Actions job on `branch` of `repository`, asking for STS, becomes it;
    and the deployer's own sessions may assume it again, as the org stack's provider does (`assume_roles` with
    `management.deploymentRoleArn`).

    `StringEquals`, never `StringLike`: one exact subject, so no other branch, tag, pull request or fork matches.
    With `owner_id` and `repository_id`, that subject is the immutable one, and only it: no name-only subject.
    A role may assume itself only when its trust says so (AWS, "Announcing an update to IAM role trust policy
    behavior", 2022). The role cannot name its own ARN as principal when it is created (IAM checks that a principal
    exists), so the statement names the account and admits the deployer alone through `aws:PrincipalArn`."""
    partition, account = deployer_role_arn.split(":")[1], deployer_role_arn.split(":")[4]
    return policy_document(
        {
            "Sid": "AllowGitHubActionsOnTheDeployBranch",
            "Effect": "Allow",
            "Principal": {"Federated": oidc_provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    f"{GITHUB_ACTIONS_ISSUER}:aud": STS_AUDIENCE,
                    f"{GITHUB_ACTIONS_ISSUER}:sub": deploy_branch_subject(repository, branch, owner_id, repository_id),
                }
            },
        },
        {
            "Sid": "AllowTheDeployerToAssumeItself",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{partition}:iam::{account}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"ArnEquals": {"aws:PrincipalArn": deployer_role_arn}},
        },
    )
