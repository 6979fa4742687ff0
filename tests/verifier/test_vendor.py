"""The verifier's vendored modules are the pinned npm packages, byte for byte.

The API serves ``api/static/verifier/vendor/`` (no CDN, no build step); the copies come from
``node_modules`` (versions pinned in package.json and package-lock.json) through
``api/static/verifier/vendor.mjs``. A hand edit or a stale copy after an upgrade fails here.
"""

from __future__ import annotations

import json
import re
from typing import Final

from tests.verifier.node import ROOT, VERIFIER

NODE_MODULES: Final = ROOT / "node_modules"
VENDOR: Final = VERIFIER / "vendor"
PINNED: Final = {"@noble/hashes": "2.4.0", "canonicalize": "4.0.0"}


def vendored_pairs() -> list[tuple[str, str]]:
    """The (node_modules source, vendor destination) list, read from vendor.mjs itself."""
    script = (VERIFIER / "vendor.mjs").read_text(encoding="utf-8")
    return re.findall(r'\["([^"]+)", "([^"]+)"\]', script)


def test_vendored_files_are_the_pinned_packages() -> None:
    pairs = vendored_pairs()
    assert {destination for _, destination in pairs} >= {
        "noble-hashes/sha3.js",
        "canonicalize/canonicalize.js",
    }
    for source, destination in pairs:
        original = NODE_MODULES / source
        copy = VENDOR / destination
        assert copy.is_file(), f"{copy} is missing: run `node api/static/verifier/vendor.mjs`"
        assert copy.read_bytes() == original.read_bytes(), f"{copy} differs from {original}"


def test_node_modules_hold_the_pinned_versions() -> None:
    declared = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))["dependencies"]
    for name, version in PINNED.items():
        assert declared[name] == version
        installed = json.loads((NODE_MODULES / name / "package.json").read_text(encoding="utf-8"))
        assert installed["version"] == version


def test_every_vendored_import_is_vendored() -> None:
    """The vendored modules import only each other: the page needs nothing else."""
    for module in VENDOR.rglob("*.js"):
        for target in re.findall(r'^import .* from "([^"]+)";', module.read_text("utf-8"), re.M):
            assert target.startswith("./"), f"{module} imports {target}"
            assert (module.parent / target).is_file(), f"{module} imports missing {target}"
