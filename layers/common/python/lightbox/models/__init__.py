"""pydantic v2 contracts: events, state payloads, audit records, config."""
