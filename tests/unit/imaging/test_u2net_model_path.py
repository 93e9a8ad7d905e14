"""u2net finds the model where SegmentationLayer puts it, not only beside the module."""

from __future__ import annotations

from pathlib import Path

from lightbox.imaging import u2net


def _place(root: Path) -> Path:
    model = root / u2net.MODEL_RELATIVE
    model.parent.mkdir(parents=True)
    model.write_bytes(b"onnx")
    return model


def test_given_the_model_under_a_layer_root_when_searched_then_that_file_is_used(tmp_path):
    # On Lambda the layers share /opt/python; the emulator merges them the same way.
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    model = _place(tmp_path / "opt" / "python")

    found = u2net.find_model([str(elsewhere), "", str(tmp_path / "opt" / "python")])

    assert found == model


def test_given_the_checkout_when_searched_then_the_segmentation_layer_source_is_found():
    # Tests and the operator venv import lightbox from layers/common/python; the model
    # lives in layers/segmentation (scripts/fetch_model.py puts it there).
    root = Path(__file__).resolve().parents[3]
    expected = root / "layers" / "segmentation" / u2net.MODEL_RELATIVE

    assert u2net.find_model([]) == expected
    assert expected == u2net.MODEL_PATH


def test_given_no_model_anywhere_when_searched_then_the_place_beside_the_module_is_named(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(Path, "is_file", lambda self: False)

    found = u2net.find_model([str(tmp_path)])

    assert found == Path(u2net.__file__).resolve().parent / "models" / "u2netp.onnx"
