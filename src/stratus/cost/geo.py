"""CloudFront's pricing geographies (the rows of https://aws.amazon.com/cloudfront/pricing/)."""

GEOGRAPHIES = frozenset(
    {
        "united_states",
        "europe",
        "south_america",
        "japan",
        "australia",
        "asia",
        "india",
        "middle_east_africa",
    }
)
