from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LAYERS = {
    "common": ROOT / "layers" / "common" / "python" / "requirements.txt",
    "imaging": ROOT / "layers" / "imaging" / "requirements.txt",
    "segmentation": ROOT / "layers" / "segmentation" / "requirements.txt",
}


def _pins(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_given_layer_requirements_when_compared_then_build_and_dev_pins_are_identical():
    # sam build reads each layer's own file; the dev venv reads requirements/layer.txt.
    dev = _pins(ROOT / "requirements" / "layer.txt")
    assert all("==" in pin for pin in dev), "every layer dependency must be pinned"
    for name, path in LAYERS.items():
        pins = _pins(path)
        assert pins, name
        assert set(pins) <= set(dev), f"{name}: {sorted(set(pins) - set(dev))} not in layer.txt"
    assert set(dev) == set().union(*(_pins(p) for p in LAYERS.values()))


def test_given_the_split_layers_when_compared_then_segmentation_carries_all_of_imaging():
    # Segment and studio-extras get SegmentationLayer instead of ImagingLayer (never
    # both: numpy would be in two layers and count twice against the 250 MB limit).
    imaging = set(_pins(LAYERS["imaging"]))
    segmentation = set(_pins(LAYERS["segmentation"]))
    assert imaging < segmentation
    assert not set(_pins(LAYERS["common"])) & segmentation
