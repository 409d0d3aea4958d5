"""Assemble the labelled footage set outside the repository (docs/footage.md).

    .venv/bin/python bench/footage_fetch.py [--dest DIR] [--mirror DIR] [--shared DIR] [--clip NAME ...]

DIR defaults to $WATCHD_FOOTAGE or ~/.cache/watchd-footage. Clips from GitHub snapshots are
rebuilt from a local git snapshot under --mirror (default $WATCHD_FOOTAGE_MIRROR); packaged
clips come from ../shared/data or, failing that, from their Debian package. Each clip is
rebuilt as <name>.mp4 + <name>.labels.json; SOURCES.md records origins and licences.
Exit 0 when every requested clip was built, 1 when any could not be (each says why).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from footage.build import SourceMissing, build_clip
from footage.sources import CLIPS

ROOT = Path(__file__).resolve().parents[1]


def default_dest() -> Path:
    env = os.environ.get("WATCHD_FOOTAGE")
    return Path(env) if env else Path.home() / ".cache" / "watchd-footage"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild the labelled footage set outside the repository.")
    parser.add_argument("--dest", type=Path, default=default_dest(), help="where the set goes")
    mirror = os.environ.get("WATCHD_FOOTAGE_MIRROR")
    parser.add_argument("--mirror", type=Path, default=Path(mirror) if mirror else None,
                        help="folder of local git snapshots, <owner>+<name>/repo")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data", help="../shared/data")
    parser.add_argument("--clip", action="append", default=[], help="only this clip (repeatable)")
    args = parser.parse_args(argv)
    known = {c.name: c for c in CLIPS}
    unknown = [name for name in args.clip if name not in known]
    if unknown:
        print(f"error: --clip {', '.join(unknown)}: unknown; known: {', '.join(known)}", file=sys.stderr)
        return 2
    failed = 0
    for clip in CLIPS:
        if args.clip and clip.name not in args.clip:
            continue
        try:
            labels = build_clip(clip, args.dest, mirror=args.mirror, shared=args.shared)
        except SourceMissing as exc:
            failed += 1
            print(f"{clip.name}: NOT BUILT: {exc}", file=sys.stderr)
            continue
        print(f"{clip.name}: {len(labels.intrusions)} intrusions, scored {labels.scored_from_s:g}-"
              f"{labels.scored_to_s:g} s -> {args.dest / labels.video}")
    write_sources(args.dest)
    return 1 if failed else 0


def write_sources(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    lines = ["# Footage set: where each clip comes from\n", "Rebuilt by bench/footage_fetch.py; not for redistribution.\n"]
    for clip in CLIPS:
        state = "present" if (dest / f"{clip.name}.labels.json").is_file() else "absent"
        lines += [f"\n## {clip.name} ({state})\n", f"{clip.title}\n", f"- scenario: {', '.join(clip.scenario)}",
                  f"- origin: {clip.origin}", f"- licence: {clip.licence}", f"- frame rate: {clip.fps_note}",
                  f"- labels: {clip.how}"]
    (dest / "SOURCES.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
