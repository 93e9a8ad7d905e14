"""pydantic v2 contracts: the execution state and each stage's output, product.json, presets.

`pipeline` holds the execution input (`PhotoRef`), every stage's output, the
whole state (`PipelineState`), the routing `Thresholds` and the terminal
`Outcome`; `product` holds `product.json` and the studio extras' options;
`preset` holds the category preset files. The audit record is defined in
`lightbox.audit.trail`. See docs/architecture.md, "State payloads".
"""
