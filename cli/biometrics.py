"""`watchd biometrics export|delete PERSON`: one person's biometric data (PIPL), as the API does it."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from watchd.app import Services


def add_biometrics_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bio = sub.add_parser(
        "biometrics", help="export or erase one person's face templates, photos and snapshots"
    )
    kinds = bio.add_subparsers(dest="action", required=True)
    export = kinds.add_parser("export", help="write a ZIP: manifest.json, photos/, snapshots/")
    export.add_argument("person_id")
    export.add_argument("--out", type=Path, required=True, help="FILE.zip")
    delete = kinds.add_parser("delete", help="erase them; the person and their attendance stay")
    delete.add_argument("person_id")


def run_biometrics(services: Services, args: argparse.Namespace) -> int:
    from watchd.services.biometrics import BiometricsService

    bio = BiometricsService(services.people)
    if args.action == "export":
        out: Path = args.out
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        try:
            with open(tmp, "wb") as f:
                counts = bio.export(args.person_id, f, actor="cli")
            os.replace(tmp, out)  # never half an export under the real name
        finally:
            tmp.unlink(missing_ok=True)
        print(f"{out}: {counts.templates} templates, {counts.photos} photos, {counts.snapshots} snapshots")
    else:
        counts = bio.erase(args.person_id, actor="cli")
        print(
            f"{args.person_id}: erased {counts.templates} templates, {counts.photos} photos, "
            f"{counts.snapshots} snapshots"
        )
    return 0
