"""Pixel work on the working image, from segmentation to the studio image.

`segment` finds the product by combining the u2netp model (`u2net`) with a
classical backdrop method (`classical`), with edges placed by `refine`;
`compose` builds the white studio image from the product's crop: `tone`
decides its colour and tone correction, `edges` removes the old backdrop from
its outline, `shadow` casts the contact shadow (and the floor shadows the
extras use), `specular` handles highlights and `backgrounds` the styled
variants. Shared toolkit: `colour` (luma, sRGB/Lab, contrast), `filters`
(float blurs), `morphology` (binary mask operations), `codec` (the encodings
used between stages). Pillow, numpy and onnxruntime only; the model file is
placed in `models/` at build time. See docs/architecture.md, "Images".
"""
