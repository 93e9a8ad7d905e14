"""Each function imports only what its layers carry (CommonLayer, ImagingLayer,
SegmentationLayer), and no function carries a package twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from support.template import ROOT, load_template, resources_of_type

#: requirement name -> the top-level module it installs.
MODULES = {
    "aws-lambda-powertools": "aws_lambda_powertools",
    "aws-xray-sdk": "aws_xray_sdk",
    "pydantic": "pydantic",
    "pillow": "PIL",
    "pi-heif": "pi_heif",
    "numpy": "numpy",
    "onnxruntime": "onnxruntime",
    "font-roboto": "font_roboto",
}
MODEL_FUNCTIONS = {"SegmentFunction", "StudioExtrasFunction"}

# Imports every handler with the layer packages it does not get made unimportable.
IMPORTER = """
import importlib.util, json, sys
blocked, handlers = set(json.loads(sys.argv[1])), json.loads(sys.argv[2])
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in blocked:
            raise ModuleNotFoundError(f"{name} is not in this function's layers", name=name)
sys.meta_path.insert(0, Block())
for name, folder in handlers.items():
    sys.path.insert(0, folder)
    spec = importlib.util.spec_from_file_location(f"app_{name}", f"{folder}/app.py")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    sys.path.remove(folder)
"""


def _pins(path: Path) -> set[str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return {line.split("==")[0] for line in lines if line and not line.startswith("#")}


def _function_layers() -> dict[str, dict[str, set[str]]]:
    """function -> {layer: packages}, Globals first (SAM appends a function's own)."""
    template = load_template()
    layers = resources_of_type(template, "AWS::Serverless::LayerVersion")
    packages = {
        name: _pins(ROOT / layer["Properties"]["ContentUri"] / "requirements.txt")
        for name, layer in layers.items()
    }
    common = [ref["Ref"] for ref in template["Globals"]["Function"]["Layers"]]
    result = {}
    for name, function in resources_of_type(template, "AWS::Serverless::Function").items():
        own = [ref["Ref"] for ref in function["Properties"].get("Layers", [])]
        result[name] = {layer: packages[layer] for layer in common + own}
    return result


def test_given_the_template_when_layers_are_attached_then_no_package_is_in_two_of_them():
    for name, layers in _function_layers().items():
        listed = [package for packages in layers.values() for package in packages]
        assert len(listed) == len(set(listed)), name


def test_given_the_template_when_layers_are_attached_then_only_model_functions_get_onnxruntime():
    for name, layers in _function_layers().items():
        carried = set().union(*layers.values())
        assert ("onnxruntime" in carried) == (name in MODEL_FUNCTIONS), name


def test_given_each_function_when_imported_with_only_its_layers_then_it_imports():
    groups: dict[tuple[str, ...], dict[str, str]] = {}
    for name, layers in _function_layers().items():
        carried = set().union(*layers.values())
        blocked = tuple(sorted(MODULES[p] for p in MODULES if p not in carried))
        code_uri = load_template()["Resources"][name]["Properties"]["CodeUri"]
        groups.setdefault(blocked, {})[name] = str(ROOT / code_uri)
    assert len(groups) == 3  # light, imaging, segmentation
    env = {**os.environ, "AWS_DEFAULT_REGION": "us-east-1", "POWERTOOLS_SERVICE_NAME": "t"}
    for blocked, handlers in groups.items():
        proc = subprocess.run(
            [sys.executable, "-c", IMPORTER, json.dumps(blocked), json.dumps(handlers)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert proc.returncode == 0, f"{sorted(handlers)} without {blocked}:\n{proc.stderr}"
