"""The `watchd` command: parse the command line, load the configuration, run one command.

It lives in its own top layer (`cli`): `run` builds the daemon (watchd.app) and serves it (api.server)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cli.biometrics import add_biometrics_parser, run_biometrics
from cli.report import add_report_parser, run_report
from watchd.errors import ServiceError
from watchd.logs import setup_logging
from watchd.messages import zh
from watchd.settings import ConfigError, LoadedConfig, load_settings, resolve_config_path
from watchd.settings.secrets import secret_problems

if TYPE_CHECKING:
    from watchd.app import Services


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="watchd", description="Attendance and duty-watch daemon.")
    p.add_argument("--config", help="configuration file (default: $WATCHD_CONFIG)")
    p.add_argument(
        "--log-level", default=None, help="DEBUG, INFO, WARNING (default: $WATCHD_LOG_LEVEL or INFO)"
    )
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the daemon: API, pages, devices")
    sub.add_parser("validate-config", help="check the configuration file and print every problem")
    sub.add_parser("migrate", help="bring the database schema up to date")
    enroll = sub.add_parser("enroll", help="enrol a person's face from photos")
    enroll.add_argument("person_id")
    enroll.add_argument("photos", nargs="+", type=Path)
    enroll.add_argument("--name", help="create the person with this name if they do not exist yet")
    ident = sub.add_parser("identify", help="print who is in each photo, one JSON line per photo")
    ident.add_argument("photos", nargs="+", type=Path)
    token = sub.add_parser("device-token", help="issue a new token for a kiosk (the old one stops working)")
    token.add_argument("device_id")
    bk = sub.add_parser("backup", help="write a consistent backup of the SQLite database and data files")
    bk.add_argument("dest", type=Path, help="a .tar.gz file, or a folder to write a dated one into")
    rs = sub.add_parser("restore", help="restore a backup (stop watchd first)")
    rs.add_argument("archive", type=Path)
    rs.add_argument("--force", action="store_true", help="replace an existing database")
    motion = sub.add_parser("motion", help="find motion events in a video file or stream, one JSON line each")
    motion.add_argument("video", help="video file or rtsp:// / http:// URL")
    motion.add_argument(
        "--zone", action="append", default=[], help='"x,y x,y x,y ..." in fractions of the picture'
    )
    motion.add_argument("--mask", action="append", default=[], help='area to ignore, "x,y x,y x,y ..."')
    motion.add_argument(
        "--min-area", type=float, default=0.002, help="smallest object, fraction of the picture"
    )
    motion.add_argument("--min-duration", type=float, default=1.0, help="seconds motion must last")
    motion.add_argument("--fps", type=float, default=5.0, help="pictures analysed per second")
    motion.add_argument(
        "--out", type=Path, default=None, help="write a snapshot of each event into this folder"
    )
    motion.add_argument("--full", action="store_true", help="decode every picture (no keyframe-only idling)")
    motion.add_argument("--detector", default="none", help="classify what moved: oidv4, hog or none (docs/detectors.md)")
    add_report_parser(sub)
    add_biometrics_parser(sub)
    user = sub.add_parser("add-user", help="create a login; the password is read from standard input")
    user.add_argument("username")
    user.add_argument("--role", default="admin", choices=["admin", "leader", "duty_officer", "cadre"])
    return p


def _load(args: argparse.Namespace) -> LoadedConfig:
    return load_settings(resolve_config_path(args.config))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    setup_logging(args.log_level)
    if args.command == "motion":  # needs no configuration file
        from cli.motion import run_motion

        return run_motion(args)
    try:
        loaded = _load(args)
    except ConfigError as exc:
        print(exc.report(), file=sys.stderr)
        return 2
    setup_logging(args.log_level, loaded.settings.logging.format)
    if args.command in ("validate-config", "run"):
        missing = secret_problems(loaded.settings)  # refuse to start rather than fail at the first SMS
        if missing:
            print(ConfigError(loaded.path, missing).report(), file=sys.stderr)
            return 2
    if args.command == "validate-config":
        s = loaded.settings
        print(
            f"{loaded.path}: OK ({len(s.sites)} sites, {len(s.people)} people, {len(s.devices)} devices; "
            f"data in {loaded.data_dir})"
        )
        return 0
    try:
        return _dispatch(args, loaded)
    except ServiceError as exc:
        print(f"error: {exc.code}: {exc.message} ({zh(exc.code)})", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    from watchd.app import build_services  # heavy imports only once the config is valid

    if args.command == "run":
        from api.server import serve
        from watchd.app import build_daemon

        return serve(build_daemon(loaded))
    if args.command in ("backup", "restore"):
        return _backup_or_restore(args, loaded)
    services = build_services(loaded, recognition_workers=0)
    try:
        if args.command == "migrate":
            print("database is up to date")
        elif args.command == "enroll":
            return _enroll(services, args)
        elif args.command == "identify":
            return _identify(services, args.photos)
        elif args.command == "report":
            return run_report(services, args)
        elif args.command == "biometrics":
            return run_biometrics(services, args)
        elif args.command == "device-token":
            token = services.auth.issue_device_token(args.device_id, actor="cli")
            server = services.config.settings.server
            scheme = "https" if server.tls_cert else "http"
            print(token)
            print(f"kiosk link: {scheme}://{server.host}:{server.port}/kiosk#token={token}", file=sys.stderr)
        elif args.command == "add-user":
            services.auth.add_user(args.username, sys.stdin.readline().rstrip("\n"), args.role, actor="cli")
            print(f"user {args.username} created")
        return 0
    finally:
        services.close()


def _backup_or_restore(args: argparse.Namespace, loaded: LoadedConfig) -> int:
    from datetime import UTC, datetime

    from watchd.ops.backup import backup, restore

    if args.command == "backup":
        info = backup(loaded.database_url, loaded.data_dir, args.dest, datetime.now(UTC))
        print(
            f"backup written: {info.path} ({info.database_bytes} bytes of database, {info.files} data files)"
        )
    else:
        count = restore(args.archive, loaded.database_url, loaded.data_dir, force=args.force)
        print(f"restored {args.archive} ({count} data files); start watchd again")
    return 0


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ServiceError("unreadable_file", f"{path}: {exc.strerror or exc}") from None


def _enroll(services: Services, args: argparse.Namespace) -> int:
    services.people.ensure_person(args.person_id, args.name)
    photos: list[tuple[str, bytes]] = []
    failures = 0
    for path in args.photos:
        try:
            photos.append((str(path), _read(path)))
        except ServiceError as exc:
            print(f"{path}: refused: {exc.message}", file=sys.stderr)
            failures += 1
    if photos:
        report = services.people.enroll(args.person_id, photos, actor="cli")
        for r in report.results:
            if r.ok:
                print(f"{r.filename}: enrolled (template {r.template_id})")
            else:
                failures += 1
                print(f"{r.filename}: refused: {r.code}: {r.message} ({zh(r.code)})", file=sys.stderr)
        print(f"{args.person_id}: {report.templates} face templates stored")
    return 1 if failures else 0


def _identify(services: Services, paths: Sequence[Path]) -> int:
    from watchd.vision.faces import FaceAnalyzer
    from watchd.vision.images import ImageRejected, decode_image

    rec = services.config.settings.recognition
    analyzer = FaceAnalyzer.from_settings(rec)
    status = 0
    for path in paths:
        line: dict[str, object] = {"photo": str(path)}
        try:
            rgb = decode_image(_read(path), max_bytes=rec.max_upload_bytes, max_pixels=rec.max_pixels)
        except (ImageRejected, ServiceError) as exc:
            line.update(faces=0, person_id=None, distance=None, second_distance=None, error=exc.message)
            status = 1
            print(json.dumps(line, ensure_ascii=False))
            continue
        faces = analyzer.detect(rgb)
        line["faces"] = len(faces)
        if faces:
            match = services.engine.match(analyzer.encode(rgb, faces[0]))
            line.update(
                person_id=match.person_id,
                distance=_round(match.distance),
                second_distance=_round(match.second_distance),
            )
        else:
            line.update(person_id=None, distance=None, second_distance=None)
        print(json.dumps(line, ensure_ascii=False))
    return status


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


if __name__ == "__main__":
    raise SystemExit(main())
