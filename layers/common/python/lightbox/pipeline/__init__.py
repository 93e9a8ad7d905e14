"""One function per pipeline stage: what a handler calls after parsing its event.

Each takes the state model plus injected adapters and returns a small model.
"""
