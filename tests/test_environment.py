import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _pins(lines):
    return sorted(line.strip().lstrip("- ").strip() for line in lines if re.match(r"^\s*-?\s*[\w.-]+==", line))


def test_conda_and_pip_routes_pin_same_versions():
    pip_pins = _pins((ROOT / "requirements.txt").read_text().splitlines())
    conda_pins = _pins((ROOT / "environment.yml").read_text().splitlines())
    assert pip_pins == conda_pins
    assert "tensorflow==2.21.0" in pip_pins
    assert any(pin.startswith("keras==3.") for pin in pip_pins)


def test_conda_route_uses_python_311():
    assert "python=3.11" in (ROOT / "environment.yml").read_text()
