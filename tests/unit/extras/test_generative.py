"""SceneGenerator port and its deterministic default; the suite stays AWS-free."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

import lightbox.extras as studio_pkg
from lightbox.extras.generative import ProceduralSceneGenerator, SceneGenerator, default_generator


def test_given_the_default_generator_when_checked_then_it_satisfies_the_port():
    assert isinstance(default_generator(), SceneGenerator)
    assert isinstance(ProceduralSceneGenerator(), SceneGenerator)


def test_given_a_prompt_when_generated_twice_then_the_scene_is_identical_and_sized():
    gen = ProceduralSceneGenerator()

    a = gen.generate_scene("mug on a table", 256)
    b = gen.generate_scene("mug on a table", 256)
    c = gen.generate_scene("vase on a table", 256)

    assert a.size == (256, 256) and a.mode == "RGB"
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(c))


def test_given_the_studio_package_when_its_imports_are_read_then_none_is_boto3_or_a_heavy_library():
    forbidden = {"boto3", "botocore", "cv2", "scipy", "skimage", "torch", "onnxruntime"}
    found = {}
    for path in Path(studio_pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            bad = {n.split(".")[0] for n in names} & forbidden
            if bad:
                found[path.name] = bad
    assert not found
