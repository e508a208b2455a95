"""Who may become the bootstrap's deployer role, judged by iam-simulate on the trust policy the bootstrap really plans.

The document is the `hardened-deployer` role's `assumeRolePolicy` in the offline plan of bootstrap/'s shipped
`management` stack (as tests/test_bootstrap.py plans it), and the repository, branch and account are read from
bootstrap/Pulumi.management.yaml: nothing here restates the policy.

How iam-simulate (0.1.173, with the iam-data pinned in tests/iam_simulator/package.json) models these requests:

- A GitHub Actions run calls sts:AssumeRoleWithWebIdentity. Its principal is the IAM OIDC provider's ARN, which the
  simulator matches against the trust statement's `{"Federated": ...}` principal. A provider of another account is
  judged as a cross-account caller, for which the simulator also asks for an Allow in its identity policies; a web
  identity has none in AWS, where the trust policy alone decides AssumeRoleWithWebIdentity. Every caller here
  therefore holds an Allow-everything identity policy (as in tests/test_transfer_role_semantics.py), which the
  simulator never lets stand in for the trust policy's Allow, so each verdict is the trust policy's own doing. The
  token's claims are context keys (`token.actions.githubusercontent.com:sub`...).
- iam-data's catalogue, taken from AWS's Service Authorization Reference, lists for sts:AssumeRoleWithWebIdentity the
  GitHub keys `:actor`, `:ref`, `:repository`, `:workflow`, `:environment` and others, but not `:sub` and `:aud`, the
  two the trust policy tests (AWS fills in `<provider>:sub` and `:aud` for every OIDC provider; GitHub's and AWS's
  guides condition on them). iam-simulate's checked entry point, runSimulation, drops context keys the catalogue does
  not list for the action, so it would deny the deploy branch itself
  (`test_the_checked_entry_point_drops_the_sub_and_aud_claims`). Those requests are therefore judged by iam-simulate's
  own unchecked entry point, runUnsafeSimulation, which evaluates the context as given, after runSimulation has
  validated the policy and the request and reported exactly `:sub` and `:aud` as the keys it dropped
  (`Request.uncatalogued_context_keys`, tests/iam_simulator/simulate.mjs). The condition operators, the principal
  match and the verdict are iam-simulate's; only its catalogue filter is bypassed, for those two keys.
- The deployer's own sessions call sts:AssumeRole. The trust statement names the account (`:root`), which iam-simulate
  reads, as AWS does, as trusting the account's IAM policies, so a caller also needs an identity policy allowing the
  call: each AWS caller here holds an Allow-everything policy (the deployer holds AdministratorAccess), so every
  verdict is the trust policy's own doing. `aws:PrincipalArn` and friends are given, as AWS would fill them in.

What iam-simulate cannot judge here: that IAM validates the token itself (signature, issuer, expiry, and that its
`aud` is one of the provider's client IDs: the plan's `clientIdLists`, asserted by tests/test_bootstrap.py); and what
GitHub puts in `sub` for a given run (GitHub's documentation: `ref:refs/heads/<branch>` for a branch run without an
environment, `environment:<name>` once a job names one, `pull_request` for pull-request events). The subjects below
are the ones GitHub documents. Since 2026 GitHub can put immutable owner and repository IDs in `sub`
(`repo:<owner>@<id>/<name>@<id>:...`: repositories created, renamed or transferred after its cut-over, or opted in):
such a subject, of a same-named repository made again, is denied by the shipped trust; a config with `ci.ownerId` and
`ci.repositoryId` trusts the immutable subject of those ids alone
(`test_under_immutable_subject_claims_only_the_configured_ids_become_the_deployer`).

Each denied case is shown to be one the judge can tell apart: `test_each_denied_case_is_allowed_by_a_looser_trust`
loosens the planned document in the ways trust policies are commonly got wrong (StringLike with a wildcard, no
audience, the account root without a condition...) and the simulator then allows exactly the cases each loosening
lets in; together the loosenings let in every denied case.
"""

import copy
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from iam_evaluator import ALLOW_EVERYTHING, ALLOWED, IMPLICIT_DENY, Request, evaluate
from module_files import module_from_file

from hardened_tools.plan import build_plan, find_project, run_stack
from hardened_tools.plan.strict_yaml import load

BOOTSTRAP = Path(__file__).resolve().parents[1] / "bootstrap"
CONFIG = load(BOOTSTRAP / "Pulumi.management.yaml")["config"]  # type: ignore[index]
ACCOUNT: str = CONFIG["hardened-bootstrap:management"]["accountId"]
REPOSITORY: str = CONFIG["hardened-bootstrap:ci"]["repository"]
BRANCH: str = CONFIG["hardened-bootstrap:ci"]["branch"]
OWNER, NAME = REPOSITORY.split("/")
OTHER_ACCOUNT = "111122223333"
ISSUER = "token.actions.githubusercontent.com"
SUB, AUD = f"{ISSUER}:sub", f"{ISSUER}:aud"


@pytest.fixture(scope="module")
def plan() -> dict:
    return build_plan(run_stack(find_project(BOOTSTRAP), "management"))


@pytest.fixture(scope="module")
def deployer(plan) -> dict:
    (role,) = [r for r in plan["resources"] if r["type"] == "aws:iam/role:Role"]
    assert role["inputs"]["name"] == CONFIG["hardened-bootstrap:deploymentRoleName"]
    return role


@pytest.fixture(scope="module")
def trust(deployer) -> dict:
    return deployer["inputs"]["assumeRolePolicy"]


@pytest.fixture(scope="module")
def role_arn(plan) -> str:
    return plan["outputs"]["deploymentRoleArn"]


@pytest.fixture(scope="module")
def provider_arn(plan) -> str:
    return plan["outputs"]["oidcProviderArn"]


# --- the requests ----------------------------------------------------------------------------------------


def github_run(subject: str | None, audience: str | None = "sts.amazonaws.com", **claims: str) -> dict:
    """The context AWS derives from a GitHub Actions token: `sub` and `aud`, and the other claims given (by their
    names after the issuer: repository, ref, actor, workflow, environment)."""
    context = {f"{ISSUER}:{claim}": value for claim, value in claims.items()}
    if subject is not None:
        context[SUB] = subject
    if audience is not None:
        context[AUD] = audience
    return context


def of_the_repository(repository: str, ref: str, **claims: str) -> dict:
    """The claims of a run of `repository` on `ref` with no environment: its subject as GitHub makes it."""
    return github_run(
        f"repo:{repository}:ref:{ref}", repository=repository, ref=ref, actor="octocat", workflow="deploy", **claims
    )


# (who, principal, context): sts:AssumeRoleWithWebIdentity with a token of `principal`, an IAM OIDC provider. None is
# the bootstrap's own provider (its ARN comes from the plan).
WEB_IDENTITY_CASES: list[tuple[str, str | None, dict, str]] = [
    ("the deploy branch", None, of_the_repository(REPOSITORY, f"refs/heads/{BRANCH}"), ALLOWED),
    ("another repository", None, of_the_repository(f"{OWNER}/other-repo", f"refs/heads/{BRANCH}"), IMPLICIT_DENY),
    ("a fork under another owner", None, of_the_repository(f"evil/{NAME}", f"refs/heads/{BRANCH}"), IMPLICIT_DENY),
    (
        "a look-alike repository (a longer name)",
        None,
        of_the_repository(f"{REPOSITORY}-evil", f"refs/heads/{BRANCH}"),
        IMPLICIT_DENY,
    ),
    (
        "a same-named repository created again (GitHub's immutable-ID subject)",
        None,
        of_the_repository(f"{OWNER}@987654/{NAME}@123456", f"refs/heads/{BRANCH}"),
        IMPLICIT_DENY,
    ),
    ("another branch", None, of_the_repository(REPOSITORY, "refs/heads/dev"), IMPLICIT_DENY),
    (
        "a look-alike branch (a longer name)",
        None,
        of_the_repository(REPOSITORY, f"refs/heads/{BRANCH}-evil"),
        IMPLICIT_DENY,
    ),
    ("a tag", None, of_the_repository(REPOSITORY, "refs/tags/v1.0.0"), IMPLICIT_DENY),
    (
        "a pull request",
        None,
        github_run(f"repo:{REPOSITORY}:pull_request", repository=REPOSITORY, ref="refs/pull/7/merge"),
        IMPLICIT_DENY,
    ),
    (
        "a job with an environment, on the deploy branch",
        None,
        github_run(
            f"repo:{REPOSITORY}:environment:prod",
            repository=REPOSITORY,
            ref=f"refs/heads/{BRANCH}",
            environment="prod",
        ),
        IMPLICIT_DENY,
    ),
    (
        "the deploy branch with GitHub's default audience",
        None,
        of_the_repository(REPOSITORY, f"refs/heads/{BRANCH}") | {AUD: f"https://github.com/{OWNER}"},
        IMPLICIT_DENY,
    ),
    (
        "the deploy branch without an audience",
        None,
        {k: v for k, v in of_the_repository(REPOSITORY, f"refs/heads/{BRANCH}").items() if k != AUD},
        IMPLICIT_DENY,
    ),
    (
        "another OIDC provider of the account, with the deploy branch's claims",
        f"arn:aws:iam::{ACCOUNT}:oidc-provider/gitlab.com",
        of_the_repository(REPOSITORY, f"refs/heads/{BRANCH}"),
        IMPLICIT_DENY,
    ),
    (
        "GitHub's provider in another account, with the deploy branch's claims",
        f"arn:aws:iam::{OTHER_ACCOUNT}:oidc-provider/{ISSUER}",
        of_the_repository(REPOSITORY, f"refs/heads/{BRANCH}"),
        IMPLICIT_DENY,
    ),
]

# (who, principal, its aws:PrincipalArn, aws:PrincipalType): sts:AssumeRole by an AWS caller that holds every
# permission. None is the deployer (its ARN comes from the plan).
ASSUME_ROLE_CASES: list[tuple[str, str | None, str | None, str, str]] = [
    (
        "the deployer's own session",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/hardened-deployer/GitHubActions",
        None,
        "AssumedRole",
        ALLOWED,
    ),
    (
        "a session of another role of the account",
        f"arn:aws:sts::{ACCOUNT}:assumed-role/other/admin",
        f"arn:aws:iam::{ACCOUNT}:role/other",
        "AssumedRole",
        IMPLICIT_DENY,
    ),
    (
        "another role of the account",
        f"arn:aws:iam::{ACCOUNT}:role/other",
        f"arn:aws:iam::{ACCOUNT}:role/other",
        "AssumedRole",
        IMPLICIT_DENY,
    ),
    (
        "an IAM user of the account",
        f"arn:aws:iam::{ACCOUNT}:user/admin",
        f"arn:aws:iam::{ACCOUNT}:user/admin",
        "User",
        IMPLICIT_DENY,
    ),
    ("the account root", f"arn:aws:iam::{ACCOUNT}:root", f"arn:aws:iam::{ACCOUNT}:root", "Account", IMPLICIT_DENY),
    (
        "a same-named deployer of another account",
        f"arn:aws:sts::{OTHER_ACCOUNT}:assumed-role/hardened-deployer/GitHubActions",
        f"arn:aws:iam::{OTHER_ACCOUNT}:role/hardened-deployer",
        "AssumedRole",
        IMPLICIT_DENY,
    ),
    (
        "another account's root",
        f"arn:aws:iam::{OTHER_ACCOUNT}:root",
        f"arn:aws:iam::{OTHER_ACCOUNT}:root",
        "Account",
        IMPLICIT_DENY,
    ),
]
EXPECTED = {case[0]: case[-1] for case in [*WEB_IDENTITY_CASES, *ASSUME_ROLE_CASES]}
assert len(EXPECTED) == len(WEB_IDENTITY_CASES) + len(ASSUME_ROLE_CASES), "two cases share a name"


def web_identity(trust: dict, role_arn: str, provider: str, context: dict, checked: bool = False) -> Request:
    """A GitHub Actions token of the OIDC provider `provider` with the claims `context`, asking to become `role_arn`
    whose trust policy is `trust`. `checked`: through runSimulation alone, which drops the claims its catalogue does
    not list."""
    return Request(
        provider,
        "sts:AssumeRoleWithWebIdentity",
        role_arn,
        ACCOUNT,
        context,
        identity_policies=[ALLOW_EVERYTHING],
        resource_policy=trust,
        uncatalogued_context_keys=() if checked else tuple(k for k in (SUB, AUD) if k in context),
    )


def requests(trust: dict, role_arn: str, provider_arn: str, checked: bool = False) -> dict[str, Request]:
    """Every case as a request to assume the role `role_arn` whose trust policy is `trust`. `checked`: the web
    identities through runSimulation alone."""
    cases: dict[str, Request] = {}
    for who, principal, context, _ in WEB_IDENTITY_CASES:
        cases[who] = web_identity(trust, role_arn, principal or provider_arn, context, checked)
    for who, principal, principal_arn, principal_type, _ in ASSUME_ROLE_CASES:
        assert principal is not None
        principal_arn = principal_arn or role_arn
        cases[who] = Request(
            principal,
            "sts:AssumeRole",
            role_arn,
            ACCOUNT,
            {
                "aws:PrincipalArn": principal_arn,
                "aws:PrincipalAccount": principal_arn.split(":")[4],
                "aws:PrincipalType": principal_type,
            },
            identity_policies=[ALLOW_EVERYTHING],
            resource_policy=trust,
        )
    return cases


def verdicts(trust: dict, role_arn: str, provider_arn: str, checked: bool = False) -> dict[str, str]:
    cases = requests(trust, role_arn, provider_arn, checked)
    return dict(zip(cases, evaluate(list(cases.values())), strict=True))


# --- the planned trust -----------------------------------------------------------------------------------


def test_the_judged_document_is_the_planned_one_for_the_shipped_config(plan, trust, role_arn, provider_arn):
    """The plan's document is what deployer_trust.py makes of the shipped config, for the provider and role the
    plan declares; the cases below are built from the same config."""
    module = module_from_file("bootstrap_deployer_trust", BOOTSTRAP / "deployer_trust.py")
    assert provider_arn == module.oidc_provider_arn(ACCOUNT)
    assert role_arn == f"arn:aws:iam::{ACCOUNT}:role/{CONFIG['hardened-bootstrap:deploymentRoleName']}"
    assert trust == module.deployer_trust_of_the_deploy_branch(provider_arn, REPOSITORY, BRANCH, role_arn)
    assert [s["Principal"] for s in trust["Statement"]] == [
        {"Federated": provider_arn},
        {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
    ]
    (oidc,) = [r for r in plan["resources"] if r["type"] == "aws:iam/openIdConnectProvider:OpenIdConnectProvider"]
    assert oidc["inputs"]["url"] == f"https://{ISSUER}"


def test_only_the_deploy_branch_and_the_deployers_own_sessions_become_the_deployer(trust, role_arn, provider_arn):
    assert verdicts(trust, role_arn, provider_arn) == EXPECTED


def test_the_checked_entry_point_drops_the_sub_and_aud_claims(trust, role_arn, provider_arn):
    """Why the web identities are judged by runUnsafeSimulation: through runSimulation alone the deploy branch is
    denied, its `sub` and `aud` dropped (the catalogue does not list them for AssumeRoleWithWebIdentity). When an
    iam-data release lists them, this test and simulate.mjs's check of the dropped keys fail: judge them checked."""
    checked = verdicts(trust, role_arn, provider_arn, checked=True)
    assert checked["the deploy branch"] == IMPLICIT_DENY
    assert checked["the deployer's own session"] == ALLOWED


# --- the judge tells each denied case apart --------------------------------------------------------------


def _statement(trust: dict, sid: str) -> dict:
    (statement,) = [s for s in trust["Statement"] if s["Sid"] == sid]
    return statement


def subject_like(pattern: str) -> Callable[[dict, str], None]:
    """The web identity statement tests the subject with StringLike and `pattern` (`{repo}` the repository)."""

    def loosen(trust: dict, provider_arn: str) -> None:
        statement = _statement(trust, "AllowGitHubActionsOnTheDeployBranch")
        del statement["Condition"]["StringEquals"][SUB]
        statement["Condition"]["StringLike"] = {SUB: pattern.format(repo=REPOSITORY, branch=BRANCH)}

    return loosen


def no_audience(trust: dict, provider_arn: str) -> None:
    del _statement(trust, "AllowGitHubActionsOnTheDeployBranch")["Condition"]["StringEquals"][AUD]


def more_providers(trust: dict, provider_arn: str) -> None:
    others = sorted({p for _, p, _, _ in WEB_IDENTITY_CASES if p is not None})
    _statement(trust, "AllowGitHubActionsOnTheDeployBranch")["Principal"] = {"Federated": [provider_arn, *others]}


def account_root_unconditioned(trust: dict, provider_arn: str) -> None:
    del _statement(trust, "AllowTheDeployerToAssumeItself")["Condition"]


def any_account_deployer(trust: dict, provider_arn: str) -> None:
    statement = _statement(trust, "AllowTheDeployerToAssumeItself")
    statement["Principal"] = {"AWS": "*"}
    statement["Condition"] = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/hardened-deployer"}}


def anyone_of_aws(trust: dict, provider_arn: str) -> None:
    statement = _statement(trust, "AllowTheDeployerToAssumeItself")
    statement["Principal"] = {"AWS": "*"}
    del statement["Condition"]


SAME_REPOSITORY_OTHER_REFS = {
    "another branch",
    "a look-alike branch (a longer name)",
    "a tag",
    "a pull request",
    "a job with an environment, on the deploy branch",
}
LOOSENINGS: list[tuple[str, Callable[[dict, str], None], set[str]]] = [
    # (what, how, the denied cases it lets in)
    ("StringLike repo:<repository>:*", subject_like("repo:{repo}:*"), SAME_REPOSITORY_OTHER_REFS),
    (
        "StringLike repo:<repository>* (no colon)",
        subject_like("repo:{repo}*"),
        SAME_REPOSITORY_OTHER_REFS | {"a look-alike repository (a longer name)"},
    ),
    (
        "StringLike repo:<repository>:ref:refs/heads/<branch>*",
        subject_like("repo:{repo}:ref:refs/heads/{branch}*"),
        {"a look-alike branch (a longer name)"},
    ),
    (
        "StringLike repo:*:ref:refs/heads/<branch>",
        subject_like("repo:*:ref:refs/heads/{branch}"),
        {
            "another repository",
            "a fork under another owner",
            "a look-alike repository (a longer name)",
            "a same-named repository created again (GitHub's immutable-ID subject)",
        },
    ),
    (
        "no audience condition",
        no_audience,
        {"the deploy branch with GitHub's default audience", "the deploy branch without an audience"},
    ),
    (
        "more federated principals",
        more_providers,
        {
            "another OIDC provider of the account, with the deploy branch's claims",
            "GitHub's provider in another account, with the deploy branch's claims",
        },
    ),
    (
        "the account root without ArnEquals aws:PrincipalArn",
        account_root_unconditioned,
        {
            "a session of another role of the account",
            "another role of the account",
            "an IAM user of the account",
            "the account root",
        },
    ),
    (
        "any account's role of that name",
        any_account_deployer,
        {"a same-named deployer of another account"},
    ),
    (
        "any AWS principal",
        anyone_of_aws,
        {
            "a session of another role of the account",
            "another role of the account",
            "an IAM user of the account",
            "the account root",
            "a same-named deployer of another account",
            "another account's root",
        },
    ),
]


@pytest.mark.parametrize(("what", "loosen", "let_in"), LOOSENINGS, ids=[what for what, _, _ in LOOSENINGS])
def test_each_denied_case_is_allowed_by_a_looser_trust(trust, role_arn, provider_arn, what, loosen, let_in):
    looser = copy.deepcopy(trust)
    loosen(looser, provider_arn)
    assert looser != trust
    assert verdicts(looser, role_arn, provider_arn) == {
        who: ALLOWED if who in let_in else verdict for who, verdict in EXPECTED.items()
    }


def test_the_loosenings_let_in_every_denied_case():
    denied = {who for who, verdict in EXPECTED.items() if verdict != ALLOWED}
    assert set().union(*(let_in for _, _, let_in in LOOSENINGS)) == denied


# --- a repository under GitHub's immutable subject claims --------------------------------------------------


OWNER_ID, REPOSITORY_ID = "123456", "456789"
IMMUTABLE = f"{OWNER}@{OWNER_ID}/{NAME}@{REPOSITORY_ID}"
IMMUTABLE_CASES: list[tuple[str, dict, str]] = [
    ("the deploy branch's immutable subject", of_the_repository(IMMUTABLE, f"refs/heads/{BRANCH}"), ALLOWED),
    ("the deploy branch's name-only subject", of_the_repository(REPOSITORY, f"refs/heads/{BRANCH}"), IMPLICIT_DENY),
    (
        "the same names, another repository id (a deleted repository's name claimed again)",
        of_the_repository(f"{OWNER}@{OWNER_ID}/{NAME}@999999", f"refs/heads/{BRANCH}"),
        IMPLICIT_DENY,
    ),
    (
        "the same names, another owner id (an account's name claimed again)",
        of_the_repository(f"{OWNER}@999999/{NAME}@{REPOSITORY_ID}", f"refs/heads/{BRANCH}"),
        IMPLICIT_DENY,
    ),
    ("another branch, with the ids", of_the_repository(IMMUTABLE, "refs/heads/dev"), IMPLICIT_DENY),
]


def test_under_immutable_subject_claims_only_the_configured_ids_become_the_deployer(tmp_path, provider_arn, role_arn):
    project = tmp_path / "bootstrap"
    shutil.copytree(BOOTSTRAP, project, ignore=shutil.ignore_patterns("__pycache__"))
    text = (BOOTSTRAP / "Pulumi.management.yaml").read_text()
    branch_line = f"    branch: {BRANCH}\n"
    assert branch_line in text
    ids = f'{branch_line}    ownerId: "{OWNER_ID}"\n    repositoryId: "{REPOSITORY_ID}"\n'
    (project / "Pulumi.management.yaml").write_text(text.replace(branch_line, ids))
    planned = build_plan(run_stack(find_project(project), "management"))
    (role,) = [r for r in planned["resources"] if r["type"] == "aws:iam/role:Role"]
    trust = role["inputs"]["assumeRolePolicy"]
    cases = [web_identity(trust, role_arn, provider_arn, context) for _, context, _ in IMMUTABLE_CASES]
    judged = dict(zip([who for who, _, _ in IMMUTABLE_CASES], evaluate(cases), strict=True))
    assert judged == {who: expected for who, _, expected in IMMUTABLE_CASES}
