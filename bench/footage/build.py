"""Rebuild one clip of the footage set: pictures from its pinned source -> H.264 MP4 + labels JSON.

Every clip becomes `<name>.mp4` (H.264, a keyframe every 2 s like a typical CCTV stream, so
watchd's keyframes-only idle mode sees what it would see on a camera) and `<name>.labels.json`.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

from footage.labels import (
    ClipLabels,
    Interval,
    TrackParams,
    cdnet_foreground,
    intrusions_from_tracks,
    track_objects,
)
from footage.sources import Clip, GitFrames, PackagedVideo

GOP_S = 2.0
Picture = npt.NDArray[np.uint8]


class SourceMissing(Exception):
    """A clip's source cannot be reached from here; the message says what to provide."""


def git_dir(mirror: Path | None, repo: str) -> Path:
    """The git directory of a local snapshot of github:`repo` under `mirror` (as the workplace's fetch lays it
    out: <mirror>/<owner>+<name>/repo[/.git]), or SourceMissing saying how to provide one."""
    name = repo.replace("/", "+")
    if mirror is not None:
        for candidate in (mirror / name / "repo" / ".git", mirror / name / "repo", mirror / name / ".git", mirror / name):
            if (candidate / "objects").is_dir() and (candidate / "HEAD").is_file():
                return candidate
    where = f"{mirror}" if mirror is not None else "(no --mirror given)"
    raise SourceMissing(
        f"needs a local git snapshot of github:{repo} (a clone or mirror) under --mirror DIR as {name}/repo; "
        f"none found in {where}. This machine and CI reach no web site: the snapshot has to be brought in "
        "by whoever runs this (the workplace fetch tool, or a clone elsewhere copied here)"
    )


def extract(git: Path, commit: str, folder: str, into: Path) -> None:
    """The folder as of `commit` (git checks every object against its hash while reading)."""
    try:
        data = subprocess.run(
            ["git", "--git-dir", str(git), "archive", "--format=tar", commit, "--", folder],
            check=True, capture_output=True,
        ).stdout
    except subprocess.CalledProcessError as exc:
        raise SourceMissing(f"{git}: cannot read {folder} at {commit}: {exc.stderr.decode(errors='replace').strip()}") \
            from None
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")


def encode(pictures: Iterable[Picture], out: Path, fps: float) -> int:
    """BGR pictures -> H.264 MP4 at `fps`, a keyframe every GOP_S seconds; returns the number of pictures."""
    rate = Fraction(fps).limit_denominator(1001)
    gop = max(1, round(GOP_S * fps))
    count = 0
    tmp = out.with_suffix(".part.mp4")
    with av.open(str(tmp), "w") as container:
        stream = None
        for bgr in pictures:
            if stream is None:
                stream = container.add_stream("libx264", rate=rate)
                stream.width, stream.height = bgr.shape[1] & ~1, bgr.shape[0] & ~1
                stream.pix_fmt = "yuv420p"
                stream.options = {"crf": "20", "preset": "medium", "g": str(gop), "keyint_min": str(gop),
                                  "sc_threshold": "0", "bf": "0", "threads": "1"}
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(bgr[: stream.height, : stream.width]),
                                               format="bgr24")
            frame.pts = count
            frame.time_base = 1 / rate
            container.mux(stream.encode(frame))
            count += 1
        if stream is not None:
            container.mux(stream.encode(None))
    tmp.replace(out)
    return count


def build_clip(clip: Clip, dest: Path, *, mirror: Path | None, shared: Path | None) -> ClipLabels:
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"footage-{clip.name}-") as tmp:
        work = Path(tmp)
        if isinstance(clip.source, GitFrames):
            labels = _from_git(clip, clip.source, dest, work, mirror)
        else:
            labels = _from_package(clip, clip.source, dest, work, shared)
    labels.save(dest / f"{clip.name}.labels.json")
    return labels


def _from_git(clip: Clip, src: GitFrames, dest: Path, work: Path, mirror: Path | None) -> ClipLabels:
    extract(git_dir(mirror, src.repo), src.commit, src.folder, work)
    numbers = range(src.first, src.last + 1)
    missing = [n for n in numbers if not (work / src.frames.format(n=n)).is_file()]
    if missing:
        raise SourceMissing(f"github:{src.repo}@{src.commit[:8]}: {len(missing)} pictures missing, first "
                            f"{src.frames.format(n=missing[0])} (large files may be absent from a snapshot)")
    video = dest / f"{clip.name}.mp4"
    count = encode(_read(work / src.frames.format(n=n) for n in numbers), video, clip.fps)
    first_shape = _grey(work / src.frames.format(n=src.first)).shape[:2]
    duration = count / clip.fps
    source: dict[str, object] = {"repo": src.repo, "commit": src.commit, "frames": src.frames, "first": src.first, "last": src.last,
              "origin": clip.origin, "licence": clip.licence, "fps_note": clip.fps_note}
    if clip.scripted:
        return _scripted(clip, video, src.first, duration, source)
    if not src.groundtruth or src.labelled is None:
        return ClipLabels(clip.name, video.name, clip.fps, 0.0, duration, (), (), clip.scenario, clip.how, source)
    lo, hi = src.labelled
    masks = ((n, cdnet_foreground(_grey(work / src.groundtruth.format(n=n)))) for n in range(lo, hi + 1))
    params = TrackParams()
    tracks = track_objects(masks, clip.fps, params)
    intrusions, unscored = intrusions_from_tracks(
        tracks, fps=clip.fps, first_frame=src.first, labelled_from=lo, shape=first_shape, what=clip.what, params=params,
    )
    source["labelling"] = {"min_area": params.min_area, "gap_s": params.gap_s, "min_s": params.min_s,
                           "group_s": params.group_s, "objects": len(tracks)}
    return ClipLabels(clip.name, video.name, clip.fps, round((lo - src.first) / clip.fps, 3),
                      round((hi - src.first) / clip.fps, 3), tuple(intrusions), tuple(unscored), clip.scenario,
                      clip.how, source)


def _from_package(clip: Clip, src: PackagedVideo, dest: Path, work: Path, shared: Path | None) -> ClipLabels:
    path = shared / src.shared if shared is not None else None
    origin = f"../shared/data/{src.shared}"
    if path is None or not path.is_file():
        path, origin = _debian_member(src.package, src.member, work), f"Debian package {src.package}"
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != src.sha256:
        raise SourceMissing(f"{path}: SHA-256 {digest} is not the pinned {src.sha256}")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate
        if not clip.fps and rate is None:
            raise SourceMissing(f"{path}: the video states no frame rate")
        fps = clip.fps or float(rate or 0)
        pictures = [np.asarray(f.to_ndarray(format="bgr24"), dtype=np.uint8) for f in container.decode(stream)]
    video = dest / f"{clip.name}.mp4"
    count = encode(pictures, video, fps)
    source: dict[str, object] = {"file": origin, "sha256": src.sha256, "origin": clip.origin, "licence": clip.licence,
              "fps_note": f"{clip.fps_note}: {fps:g}"}
    return _scripted(clip, video, 0, count / fps, source, fps)


def _scripted(clip: Clip, video: Path, first: int, duration: float, source: dict[str, object],
              fps: float = 0.0) -> ClipLabels:
    rate = fps or clip.fps
    intrusions = tuple(
        Interval(round((s.first - first) / rate, 3), round((s.last - first) / rate, 3), s.what) for s in clip.scripted
    )
    return ClipLabels(clip.name, video.name, rate, 0.0, round(duration, 3), intrusions, (), clip.scenario, clip.how,
                      source)


def _debian_member(package: str, member: str, work: Path) -> Path:
    """`apt-get download` the package (Debian's archive is reachable here and in CI) and unpack one file."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        raise SourceMissing(f"needs ../shared/data or the Debian package {package} (apt-get and dpkg-deb are absent)")
    try:
        subprocess.run(["apt-get", "download", package], cwd=work, check=True, capture_output=True, timeout=600)
        deb = next(work.glob(f"{package}_*.deb"))
        subprocess.run(["dpkg-deb", "-x", str(deb), str(work / "pkg")], check=True, capture_output=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, StopIteration) as exc:
        raise SourceMissing(f"Debian package {package} could not be downloaded ({exc}); "
                            "run `apt-get update` first, or provide ../shared/data") from None
    path = work / "pkg" / member
    if not path.is_file():
        raise SourceMissing(f"Debian package {package} has no {member}")
    return path


def _read(paths: Iterable[Path]) -> Iterator[Picture]:
    for path in paths:
        picture = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if picture is None:
            raise SourceMissing(f"{path.name}: not a readable picture")
        yield np.asarray(picture, dtype=np.uint8)


def _grey(path: Path) -> Picture:
    picture = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if picture is None:
        raise SourceMissing(f"{path.name}: not a readable picture")
    return np.asarray(picture, dtype=np.uint8)
