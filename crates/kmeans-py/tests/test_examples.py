"""The book's "From NumPy" example runs and checks itself (so the page cannot rot)."""

import pathlib
import subprocess
import sys

EXAMPLES = pathlib.Path(__file__).resolve().parent.parent / "examples"


def test_from_numpy_example_agrees_with_the_numpy_loop():
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "from_numpy.py")],
        check=True, capture_output=True, text=True,
    ).stdout
    assert "agree" in out, out
