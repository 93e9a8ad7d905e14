"""The listing's words: copy drafted from product.json and the marketplaces' feeds.

`copy` drafts a title, bullets and description deterministically, within each
marketplace's title limit, and never invents product facts; `feeds` builds each
marketplace's own feed document at publish time.
"""
