"""Marketplace main images: the rules, the renders and an independent check.

`specs` is the one place each marketplace's rules live; `render` encodes the
studio image to each marketplace's canvas and byte cap; `compliance` decodes the
encoded file and checks it against the same specs. See docs/limits-and-rules.md,
"Marketplace main-image rules".
"""
