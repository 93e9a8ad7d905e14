from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _pins(path: Path) -> list[str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_given_layer_requirements_when_compared_then_build_and_dev_pins_are_identical():
    # sam build reads the layer's own file; the dev venv reads requirements/layer.txt.
    layer = _pins(ROOT / "layers" / "common" / "python" / "requirements.txt")
    assert layer == _pins(ROOT / "requirements" / "layer.txt")
    assert all("==" in pin for pin in layer), "every layer dependency must be pinned"
