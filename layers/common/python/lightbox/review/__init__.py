"""Human review tasks: open, list, decide, escalate.

`service.ReviewService` opens a task holding the execution's task token, lists
pending tasks without their tokens, and records a reviewer's decision
idempotently; `REVIEW_LEVELS` names the escalation levels. Storage and the
token call are behind protocols, implemented in `adapters`. See
docs/architecture.md, "Review tasks".
"""
