"""The listings table, the feed URL parameters and the status events, proved on template.yaml:
only the stages that rebuild a SKU's listing reach its table (Query and PutItem on
`sku#` partitions), and only the stages that tell a seller about a photo put events,
on the stack's status bus and nowhere else."""

from __future__ import annotations

from functools import cache
from typing import Any

from support.template import load_template, resources_of_type

#: The stages that record a photo in its SKU's listing and rebuild it.
LISTING_WRITERS = {"PublishFunction", "RejectFunction", "RequestReviewFunction"}
#: The stages that send PhotoStatusEvent / ListingStatusEvent.
STATUS_SENDERS = LISTING_WRITERS | {"QuarantineFunction", "RecordFailureFunction"}


@cache
def _template() -> dict[str, Any]:
    return load_template()


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _grants(name: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, resource, condition) of every Allow statement of a function's role."""
    function = resources_of_type(_template(), "AWS::Serverless::Function")[name]
    found = []
    for policy in function["Properties"].get("Policies") or []:
        for statement in _as_list(policy.get("Statement", [])):
            if statement.get("Effect") != "Allow":
                continue
            for action in _as_list(statement["Action"]):
                for resource in _as_list(statement["Resource"]):
                    text = str(resource.get("Fn::GetAtt") or resource.get("Fn::Sub") or resource)
                    found.append((action, text, statement.get("Condition") or {}))
    return found


def _functions() -> list[str]:
    return sorted(resources_of_type(_template(), "AWS::Serverless::Function"))


def test_given_the_template_when_read_then_only_listing_stages_reach_the_listings_table():
    """Given every function's role
    Then the listing stages query and put `sku#` items of the listings table (no update,
    no delete, no scan), and no other function reaches that table."""
    for name in _functions():
        on_table = [g for g in _grants(name) if "ListingsTable" in g[1]]
        if name not in LISTING_WRITERS:
            assert not on_table, f"{name} reaches the listings table: {on_table}"
            continue
        assert {action for action, _, _ in on_table} == {"dynamodb:Query", "dynamodb:PutItem"}
        for _, _, condition in on_table:
            assert condition["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == ["sku#*"]


def test_given_the_template_when_read_then_status_events_go_only_to_the_status_bus():
    """Given every function's role
    Then exactly the stages that route a photo may put events, and only on StatusBus."""
    senders = set()
    for name in _functions():
        puts = [g for g in _grants(name) if g[0] == "events:PutEvents"]
        if puts:
            senders.add(name)
            assert {resource for _, resource, _ in puts} == {"StatusBus.Arn"}, name
    assert senders == STATUS_SENDERS


def test_given_the_listing_stages_when_read_then_they_can_read_what_they_presign():
    """Given a presigned feed URL is only as good as its signer's access
    Then every listing stage reads, and writes, published/ objects only."""
    for name in LISTING_WRITERS:
        published = {a for a, r, _ in _grants(name) if r == "${ImagesBucket.Arn}/published/*"}
        assert {"s3:GetObject", "s3:PutObject"} <= published, name


def test_given_the_feed_url_parameters_when_read_then_every_function_gets_them():
    """Given PublicBaseUrl empty by default (presigned URLs) and an expiry capped at
    SigV4's seven days
    Then the settings reach every function through the Globals environment."""
    parameters = _template()["Parameters"]
    assert parameters["PublicBaseUrl"]["Default"] == ""
    assert parameters["FeedUrlExpirySeconds"]["MaxValue"] == 604800
    variables = _template()["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["LISTINGS_TABLE"] == {"Ref": "ListingsTable"}
    assert variables["PUBLIC_BASE_URL"] == {"Ref": "PublicBaseUrl"}
    assert variables["FEED_URL_EXPIRY_SECONDS"] == {"Ref": "FeedUrlExpirySeconds"}
