"""The gate in front of the pipeline: refuse what cannot be used, normalise the rest.

`photo.inspect_photo` runs the checks in order and explains every refusal to the
seller; `sniff` identifies a file by its bytes, `normalise` decodes it once into
the working image and `metrics` measures sharpness and exposure. The limits come
from `lightbox.limits`. See docs/limits-and-rules.md, "Upload validation".
"""
