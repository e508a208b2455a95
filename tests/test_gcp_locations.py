"""Geographies of AWS regions and Cloud Storage locations, and the KMS location that may encrypt a bucket."""

import pytest

from hardened.gcp.locations import geography_of_aws_region, geography_of_gcs_location, kms_location_of_gcs


@pytest.mark.parametrize(
    ("region", "geography"),
    [
        ("eu-west-1", "europe"),
        ("eu-central-2", "europe"),
        ("us-east-1", "north-america"),
        ("us-gov-west-1", "north-america"),
        ("ca-west-1", "north-america"),
        ("mx-central-1", "north-america"),
        ("sa-east-1", "south-america"),
        ("ap-southeast-2", "asia-pacific"),
        ("ap-northeast-1", "asia-pacific"),
        ("me-central-1", "middle-east"),
        ("il-central-1", "middle-east"),
        ("af-south-1", "africa"),
    ],
)
def test_aws_regions_map_to_their_continent(region, geography):
    assert geography_of_aws_region(region) == geography


@pytest.mark.parametrize(
    ("location", "geography"),
    [
        ("EU", "europe"),
        ("US", "north-america"),
        ("ASIA", "asia-pacific"),
        ("EUR4", "europe"),
        ("EUR5", "europe"),
        ("EUR7", "europe"),
        ("EUR8", "europe"),
        ("NAM4", "north-america"),
        ("ASIA1", "asia-pacific"),
        ("europe-west3", "europe"),
        ("us-central1", "north-america"),
        ("northamerica-northeast1", "north-america"),
        ("northamerica-south1", "north-america"),
        ("southamerica-east1", "south-america"),
        ("asia-northeast1", "asia-pacific"),
        ("australia-southeast1", "asia-pacific"),
        ("me-west1", "middle-east"),
        ("africa-south1", "africa"),
    ],
)
def test_cloud_storage_locations_map_to_their_continent(location, geography):
    assert geography_of_gcs_location(location) == geography


@pytest.mark.parametrize("location", ["eu", "Eu", "eur4", "EUROPE-WEST3", "Us-Central1"])
def test_cloud_storage_locations_are_read_in_any_case(location):
    assert geography_of_gcs_location(location) == geography_of_gcs_location(location.upper())


def test_the_same_place_has_the_same_geography_in_both_clouds():
    assert geography_of_aws_region("eu-central-1") == geography_of_gcs_location("europe-west3")
    assert geography_of_aws_region("us-east-1") == geography_of_gcs_location("NAM4")
    assert geography_of_aws_region("il-central-1") == geography_of_gcs_location("me-west1")
    assert geography_of_aws_region("ap-southeast-2") == geography_of_gcs_location("australia-southeast1")


@pytest.mark.parametrize("region", ["cn-north-1", "EU-WEST-1", "eu-west", "europe-west3", "", None, 1])
def test_unknown_aws_regions_are_refused_naming_the_known_prefixes(region):
    with pytest.raises(ValueError) as raised:
        geography_of_aws_region(region)
    assert f"{region!r} is not a known AWS region" in str(raised.value)
    assert "eu-, us-, ca-, mx-, sa-, ap-, me-, il-, af-" in str(raised.value)


@pytest.mark.parametrize("location", ["EUR6", "mars-west1", "us-east-1", "europe", "", None])
def test_unknown_cloud_storage_locations_are_refused_naming_the_known_ones(location):
    with pytest.raises(ValueError) as raised:
        geography_of_gcs_location(location)
    message = str(raised.value)
    assert f"{location!r} is not a known Cloud Storage location" in message
    assert "EU, US, ASIA, EUR4, EUR5, EUR7, EUR8, NAM4, ASIA1" in message
    assert "europe-, us-, northamerica-, southamerica-, asia-, australia-, me-, africa-" in message


@pytest.mark.parametrize(
    ("location", "kms_location"),
    [
        ("EU", "europe"),
        ("us", "us"),
        ("ASIA", "asia"),
        ("EUR4", "eur4"),
        ("NAM4", "nam4"),
        ("europe-west3", "europe-west3"),
        ("US-CENTRAL1", "us-central1"),
    ],
)
def test_kms_names_the_multi_regions_its_own_way(location, kms_location):
    assert kms_location_of_gcs(location) == kms_location
