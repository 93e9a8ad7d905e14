"""Visual attributes of a product photo for its listing.

`attributes.describe_colours` names the product's dominant colours in words and
measures brightness and colourfulness; the attributes branch of the analyse
stage (`pipeline.analyse.attributes`) calls it. Pure numpy and Pillow, and
deterministic.
"""
