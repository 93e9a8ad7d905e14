"""pydantic v2 contracts: every event, state and table item the stages exchange.

`stages` holds the execution input (`PhotoRef`), every stage's output and
task input, the whole state (`PipelineState`), the routing `Thresholds` and
the terminal `Outcome`; `product` holds `product.json` and the studio extras'
options; `preset` the category preset files. Table items: `review_task`
(review tasks), `feedback` (reviewers' decisions), `config_version` (routing
versions), `audit` (audit entries and records). `status` holds the events
sellers receive. See docs/architecture.md, "Contracts".
"""
