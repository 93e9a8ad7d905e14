"""The studio extras: image operations beyond the white main image.

One module per feature, each a pure function over Pillow images (no network,
no model downloads, deterministic):

- `lookalike.match_look` — restyle a photo towards a reference's look.
- `ghost.ghost_mannequin` — front + inner shot -> hollow "ghost" garment.
- `mockup.apply_graphic` — a seller's print on an item, following folds.
- `group.group_shot` — several cut-outs on one canvas, one scale, one light.
- `scene.place_in_scene` / `scene.default_scene` — a lifestyle shot.
- `poster.ad_poster` — product + headline + price badge.
- `asset_set.product_page_assets` — the product-page set built from the above.
- `generative.SceneGenerator` — the port a generative backdrop model plugs into.
"""
