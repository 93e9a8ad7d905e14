"""Lightbox's domain package, shipped to every function in the common Lambda layer.

The stage functions the handlers in `functions/` call live in `pipeline`; the
work they do lives in the topic packages (`validation`, `imaging`, `analysis`,
`listing`, `marketplaces`, `studio`, `scoring`, `review`, `audit`), the data
shapes in `models` and `presets`, and all AWS access in `adapters`. Top-level
modules: `keys` (the S3 key contract), `limits` (input limits and quality
thresholds), `settings` (the Lambda environment), `handler` (the decorator
every Lambda entry point wears) and `observability` (every metric the code
emits). See docs/architecture.md.
"""
