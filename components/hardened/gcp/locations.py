"""Which continental geography an AWS region or a Cloud Storage location lies in.

The 3-2-1 rule wants the off-site copy far from the primary: a GCP bucket in the same geography as
the AWS region it backs up shares its regional disasters (and often its jurisdiction). Geographies
are coarse on purpose: "europe", "north-america", "south-america", "asia-pacific", "middle-east",
"africa".
"""

import re

EUROPE, NORTH_AMERICA, SOUTH_AMERICA = "europe", "north-america", "south-america"
ASIA_PACIFIC, MIDDLE_EAST, AFRICA = "asia-pacific", "middle-east", "africa"

# AWS region names: a two-letter prefix, an optional partition part (us-gov-west-1), a direction, a number.
AWS_REGION = re.compile(r"([a-z]{2})(-[a-z]+)+-\d+")
AWS_PREFIXES = {
    "eu": EUROPE,
    "us": NORTH_AMERICA,
    "ca": NORTH_AMERICA,
    "mx": NORTH_AMERICA,
    "sa": SOUTH_AMERICA,
    "ap": ASIA_PACIFIC,
    "me": MIDDLE_EAST,
    "il": MIDDLE_EAST,  # il-central-1, Tel Aviv
    "af": AFRICA,
}

GCS_MULTI_REGIONS = {"eu": EUROPE, "us": NORTH_AMERICA, "asia": ASIA_PACIFIC}
# Predefined dual-regions: EUR5 and EUR7 include London, EUR8 Zurich; all of them lie in Europe.
GCS_DUAL_REGIONS = {
    "eur4": EUROPE,
    "eur5": EUROPE,
    "eur7": EUROPE,
    "eur8": EUROPE,
    "nam4": NORTH_AMERICA,
    "asia1": ASIA_PACIFIC,
}
# Region names: a continent prefix, a direction, a number (europe-west3, northamerica-northeast1).
GCS_REGION = re.compile(r"([a-z]+)-[a-z]+\d+")
GCS_REGION_PREFIXES = {
    "europe": EUROPE,
    "us": NORTH_AMERICA,
    "northamerica": NORTH_AMERICA,
    "southamerica": SOUTH_AMERICA,
    "asia": ASIA_PACIFIC,
    "australia": ASIA_PACIFIC,
    "me": MIDDLE_EAST,
    "africa": AFRICA,
}


def geography_of_aws_region(region: str) -> str:
    """The geography of an AWS region such as eu-west-1; ValueError for anything else."""
    match = AWS_REGION.fullmatch(region) if isinstance(region, str) else None
    if match is None or match.group(1) not in AWS_PREFIXES:
        known = ", ".join(f"{prefix}-" for prefix in AWS_PREFIXES)
        raise ValueError(f"{region!r} is not a known AWS region; known regions start with {known} as in eu-west-1")
    return AWS_PREFIXES[match.group(1)]


def geography_of_gcs_location(location: str) -> str:
    """The geography of a Cloud Storage location (EU, EUR4, europe-west3...), in any case; ValueError for anything else."""
    given = location.lower() if isinstance(location, str) else ""
    if given in GCS_MULTI_REGIONS:
        return GCS_MULTI_REGIONS[given]
    if given in GCS_DUAL_REGIONS:
        return GCS_DUAL_REGIONS[given]
    match = GCS_REGION.fullmatch(given)
    if match is None or match.group(1) not in GCS_REGION_PREFIXES:
        multi = ", ".join(name.upper() for name in (*GCS_MULTI_REGIONS, *GCS_DUAL_REGIONS))
        regions = ", ".join(f"{prefix}-" for prefix in GCS_REGION_PREFIXES)
        raise ValueError(
            f"{location!r} is not a known Cloud Storage location; known are the multi- and dual-regions {multi} "
            f"and the regions starting with {regions} as in europe-west3"
        )
    return GCS_REGION_PREFIXES[match.group(1)]


def kms_location_of_gcs(location: str) -> str:
    """The Cloud KMS location whose keys may encrypt a bucket in `location`: KMS names the multi-regions europe, us and asia."""
    given = location.lower()
    return {"eu": "europe", "us": "us", "asia": "asia"}.get(given, given)
