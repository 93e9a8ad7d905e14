"""The append-only, hash-chained audit trail every pipeline decision is written to.

`trail` defines the record, appends with conditional writes, and checks a chain
with `verify_chain`. Storage is behind the `AuditStore` protocol; the DynamoDB
implementation is `adapters.dynamodb.DynamoAuditStore`. See
docs/architecture.md, "Audit record".
"""
