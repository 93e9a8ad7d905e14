"""Pixel work on the working image, from segmentation to the studio image.

`segment` finds the product by combining the u2netp model (`u2net`) with a
classical backdrop method (`classical`), with edges placed by `refine`;
`studio` composes the white studio image (with `specular` highlight handling
and `backgrounds`); `morphology` holds the binary mask operations and `codec`
the encodings used between stages. Pillow, numpy and onnxruntime only; the
model file is placed in `models/` at build time. See docs/architecture.md,
"Images".
"""
