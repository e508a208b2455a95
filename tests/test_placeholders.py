"""The placeholder table (tools/hardened_tools/plan/placeholders.py): which types have a row, what rows report, the fallback."""

import re

import pytest
from planning import shipped_plan

from hardened_tools.plan.fragments import Placeholders
from hardened_tools.plan.placeholders import SHAPES, NewResource, Shape, created_values, opaque
from hardened_tools.plan.references import STACK_REFERENCE_TYPE
from hardened_tools.plan.targeting import PROVIDER_PREFIX, Target

SHIPPED = ("org", "prod", "staging", "dev")
ACCOUNT, REGION, PROJECT = "111122223333", "eu-west-1", "acme-backups"
AWS = Target("aws", account=ACCOUNT, region=REGION)
GCP = Target("gcp", project=PROJECT, region="europe-west3")


def created(type_: str, inputs: dict | None = None, target: Target | None = AWS, name: str = "example"):
    """The id and outputs the plan gives a new resource, and the placeholders it made up for them."""
    placeholders = Placeholders()
    urn = f"urn:pulumi:test::hardened-test::{type_}::{name}"
    resource_id, outputs = created_values(NewResource(type_, name, urn, dict(inputs or {}), target, placeholders))
    return resource_id, outputs, placeholders.atoms


@pytest.mark.parametrize("stack", SHIPPED)
def test_every_type_a_shipped_stack_creates_has_a_row(stack):
    resources = shipped_plan(stack)["resources"]
    created_types = {
        r["type"] for r in resources if r["custom"] and not r.get("read") and not r["type"].startswith(PROVIDER_PREFIX)
    }
    missing = sorted(created_types - set(SHAPES))
    assert missing == [], f"give each a row in SHAPES (plan/placeholders.py): a Shape, a function, or opaque: {missing}"
    # The plan reads nothing but other stacks' outputs.
    assert {r["type"] for r in resources if r.get("read")} <= {STACK_REFERENCE_TYPE}


@pytest.mark.parametrize("stack", SHIPPED)
def test_types_with_an_opaque_row_get_an_opaque_id_in_the_shipped_plans(stack):
    opaque_types = {type_ for type_, shape in SHAPES.items() if shape is opaque}
    for resource in shipped_plan(stack)["resources"]:
        if resource["type"] in opaque_types:
            assert re.fullmatch(re.escape(resource["name"]) + "-[0-9a-f]{8}", resource["id"]), resource["urn"]
            if resource["lands_in"]["cloud"] == "aws":
                assert resource["outputs"]["arn"].endswith(
                    f":{resource['lands_in']['account']}:{resource['type'].rsplit(':', 1)[-1].lower()}/{resource['id']}"
                )


def test_a_type_without_a_row_gets_an_opaque_id_and_for_aws_an_arn():
    assert "aws:example/widget:Widget" not in SHAPES
    resource_id, outputs, atoms = created("aws:example/widget:Widget")
    assert re.fullmatch("example-[0-9a-f]{8}", resource_id)
    assert outputs == {"arn": f"arn:aws:example:{REGION}:{ACCOUNT}:widget/{resource_id}"}
    assert atoms == {resource_id}
    gcp_id, gcp_outputs, _ = created("gcp:example/widget:Widget", target=GCP)
    assert re.fullmatch("example-[0-9a-f]{8}", gcp_id) and gcp_outputs == {}
    assert created("random:index/randomId:RandomId", target=Target("random"))[1] == {}


def test_a_new_provider_gets_a_uuid():
    resource_id, outputs, atoms = created(f"{PROVIDER_PREFIX}aws", {"region": REGION})
    assert re.fullmatch("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", resource_id)
    assert outputs == {} and atoms == {resource_id}


def test_a_bucket_named_by_the_program_is_reported_without_placeholders():
    assert created("aws:s3/bucket:Bucket", {"bucket": "acme-vault"}) == (
        "acme-vault",
        {
            "bucket": "acme-vault",
            "arn": "arn:aws:s3:::acme-vault",
            "bucketDomainName": "acme-vault.s3.amazonaws.com",
            "bucketRegionalDomainName": f"acme-vault.s3.{REGION}.amazonaws.com",
            "hostedZoneId": "Z3AQBSTGFYJSTF",
            "region": REGION,
        },
        set(),
    )


def test_an_auto_named_bucket_is_lower_case_in_its_own_region():
    resource_id, outputs, atoms = created("aws:s3/bucket:Bucket", {"region": "us-west-2"}, name="Logs")
    assert re.fullmatch("logs-[0-9a-f]{7}", resource_id) and atoms == {resource_id}
    assert (
        outputs["bucketRegionalDomainName"] == f"{resource_id}.s3.us-west-2.amazonaws.com"
        and outputs["region"] == "us-west-2"
    )
    prefixed, _, _ = created("aws:s3/bucket:Bucket", {"bucketPrefix": "logs-"})
    assert re.fullmatch("logs-[0-9]{26}", prefixed)


def test_bucket_and_vault_settings_take_their_parent_s_name():
    assert created("aws:s3/bucketVersioning:BucketVersioning", {"bucket": "acme-vault"}) == ("acme-vault", {}, set())
    assert created("aws:backup/vaultPolicy:VaultPolicy", {"backupVaultName": "vault-a"}) == (
        "vault-a",
        {"backupVaultArn": f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:vault-a"},
        set(),
    )


def test_iam_rows_fill_the_path_default_and_the_stable_id():
    resource_id, outputs, atoms = created("aws:iam/role:Role", {"name": "deployer"})
    assert resource_id == "deployer"
    assert outputs["arn"] == f"arn:aws:iam::{ACCOUNT}:role/deployer"
    assert re.fullmatch("AROA[A-Z2-7]{17}", outputs["uniqueId"]) and atoms == {outputs["uniqueId"]}
    assert created("aws:iam/user:User", {"name": "alice", "path": "/break-glass/"})[1]["arn"] == (
        f"arn:aws:iam::{ACCOUNT}:user/break-glass/alice"
    )
    policy_id, policy, _ = created("aws:iam/policy:Policy", {"name": "guard"})
    assert policy_id == policy["arn"] == f"arn:aws:iam::{ACCOUNT}:policy/guard"
    assert policy["attachmentCount"] == 0 and policy["policyId"].startswith("ANPA")


def test_a_row_makes_up_no_placeholder_it_does_not_report():
    assert created("aws:iam/rolePolicy:RolePolicy", {"role": "deployer", "name": "inline"}) == (
        "deployer:inline",
        {"name": "inline"},
        set(),
    )
    assert created("aws:backup/globalSettings:GlobalSettings") == (ACCOUNT, {}, set())


def test_one_account_s_rows_name_one_organization():
    organization, _, _ = created("aws:iam/organizationsFeatures:OrganizationsFeatures")
    _, unit, _ = created("aws:organizations/organizationalUnit:OrganizationalUnit", {"name": "Workloads"})
    assert re.fullmatch("o-[0-9a-f]{10}", organization)
    assert re.fullmatch(
        f"arn:aws:organizations::{ACCOUNT}:ou/{organization}/ou-[0-9a-f]{{4}}-[0-9a-f]{{8}}", unit["arn"]
    )


def test_gcp_rows_name_their_project_location_and_number():
    assert created(
        "gcp:privilegedaccessmanager/entitlement:entitlement",
        {"parent": "projects/acme", "entitlementId": "break-glass"},
        target=GCP,
    )[:2] == (
        "projects/acme/locations/global/entitlements/break-glass",
        {"name": "projects/acme/locations/global/entitlements/break-glass", "state": "AVAILABLE"},
    )
    job_id, job, atoms = created("gcp:storage/transferJob:TransferJob", target=GCP)
    number = job["name"].removeprefix("transferJobs/")
    assert re.fullmatch("[0-9]{20}", number) and job_id == f"{PROJECT}/transferJobs/{number}" and atoms == {number}
    assert created("gcp:storage/bucket:Bucket", {"name": "copies"}, target=GCP)[1]["project"] == PROJECT
    assert (
        created("gcp:storage/bucket:Bucket", {"name": "copies", "project": "other"}, target=GCP)[1]["project"]
        == "other"
    )
    assert created("gcp:storage/bucket:Bucket", {"name": "copies"}, target=None)[1]["project"] == "project"


@pytest.mark.parametrize("type_", sorted(SHAPES))
def test_every_row_answers_a_resource_given_no_inputs(type_):
    """Rows named after an input their type requires (a bucket's settings) then have an empty id; none fails."""
    resource_id, outputs, _ = created(type_, target=GCP if type_.startswith("gcp:") else AWS)
    assert isinstance(resource_id, str)
    assert isinstance(outputs, dict) and all(isinstance(key, str) for key in outputs)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ({"id": "{nam}"}, "{nam} is not a field"),
        ({"id": "{id}"}, "the id names itself"),
        ({"outputs": {"uniqueId": "{unique_id}"}}, "{unique_id} needs unique_id=<prefix>"),
        ({"id": "folders/{number}"}, "{number} needs number=(<kind>, <digits>)"),
        ({"defaults": {"path": "/"}}, "the default of 'path' is never named"),
    ],
)
def test_a_row_naming_a_field_it_cannot_fill_is_refused_when_built(row, problem):
    with pytest.raises(ValueError) as raised:
        Shape(**row)
    assert str(raised.value) == f"Shape with id {row.get('id', '{name}')!r}: {problem}."
