"""Routing confidence and the thresholds that turn it into publish, review or reject.

`confidence` combines measured signals into one weighted geometric mean and
seller-readable reasons; `thresholds` holds the per-category `auto` and
`review` values, built in from the category presets and versioned in the
config table. See docs/limits-and-rules.md, "Routing: scoring and thresholds".
"""
