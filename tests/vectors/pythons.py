"""The other Pythons the package supports, each with a small venv for the core's vector check.

Canonical text must give the same bytes on Python 3.11, 3.12 and 3.13 (their
``unicodedata`` are Unicode 14.0, 15.0 and 15.1), so the test command runs
``tests/vectors/check_protocol.py`` under each. The interpreters come from pyenv
(``~/.pyenv/versions/3.12.*``, or ``$PYENV_ROOT``); a missing one is an error, not
a skip. Each gets a venv under ``.venv/protocol-pythons/`` (ignored by git, made
once and reused while the pins stay the same) holding only what ``registry.core``
imports, pinned to the versions of the main venv; the package itself is not
installed, it is put on ``PYTHONPATH`` so that the check reads the working tree.
"""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENVS = ROOT / ".venv" / "protocol-pythons"
CHECK = ROOT / "tests" / "vectors" / "check_protocol.py"
OTHER_VERSIONS = ("3.12", "3.13")

# What registry.core imports outside the standard library, and what those import.
_CORE_DISTRIBUTIONS = (
    "pydantic",
    "pydantic-core",
    "annotated-types",
    "typing-extensions",
    "typing-inspection",
    "rfc8785",
    "eth-hash",
    "pycryptodome",
)


def pins() -> list[str]:
    """``name==version`` for each distribution the core needs, as the main venv has them."""
    return [f"{name}=={version(name)}" for name in _CORE_DISTRIBUTIONS]


def find_python(minor: str) -> Path:
    """The pyenv interpreter for ``minor`` (e.g. "3.12"), newest patch release; raises if none."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    found = sorted(
        (path for path in pyenv.glob(f"{minor}.*/bin/python{minor}") if path.is_file()),
        key=lambda path: tuple(int(part) for part in path.parts[-3].split(".") if part.isdigit()),
    )
    if not found:
        raise FileNotFoundError(
            f"Python {minor} not found under {pyenv} (install it with `pyenv install {minor}`): "
            "the protocol vectors must be checked on every supported Python"
        )
    return found[-1]


def venv_python(minor: str) -> Path:
    """The venv's interpreter for ``minor``, creating or refreshing the venv when needed."""
    venv = VENVS / minor
    python = venv / "bin" / "python"
    stamp = venv / "pins.txt"
    wanted = "\n".join(pins()) + "\n"
    if python.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
        return python
    subprocess.run([str(find_python(minor)), "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pins()],
        check=True,
    )
    stamp.write_text(wanted, encoding="utf-8")
    return python


def run_check(minor: str) -> subprocess.CompletedProcess[str]:
    """Run the vector check under Python ``minor`` on the working tree."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [str(venv_python(minor)), str(CHECK)],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
        check=False,
    )


if __name__ == "__main__":
    for minor in OTHER_VERSIONS:
        print(minor, venv_python(minor), file=sys.stderr)
