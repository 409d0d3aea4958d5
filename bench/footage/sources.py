"""Where each clip of the footage set comes from, under which terms, and how it is labelled.

Every source is pinned: a git snapshot by commit (files are read from that commit, so git's own
hashes vouch for them), a packaged video by SHA-256. Nothing here is downloaded from a website.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GitFrames:
    """Numbered pictures (and optional per-frame ground truth) in a public GitHub repository."""

    repo: str  # owner/name
    commit: str
    folder: str  # extracted with `git archive COMMIT -- folder`
    frames: str  # path of frame n, e.g. "highway/input/in{n:06d}.jpg"
    first: int
    last: int
    groundtruth: str = ""  # path of frame n's mask, CDnet style (255 = motion)
    labelled: tuple[int, int] | None = None  # frames whose ground truth is valid (CDnet temporalROI.txt)


@dataclass(frozen=True, slots=True)
class PackagedVideo:
    """A video file shipped in a Debian package (also kept in ../shared/data by the project)."""

    shared: str  # path under ../shared/data
    package: str  # Debian package holding it
    member: str  # path inside the package
    sha256: str


@dataclass(frozen=True, slots=True)
class Scripted:
    """An intrusion from the dataset's own event script: frames first..last (inclusive)."""

    first: int
    last: int
    what: str


@dataclass(frozen=True, slots=True)
class Clip:
    name: str
    title: str
    scenario: tuple[str, ...]
    fps: float
    fps_note: str
    origin: str
    licence: str
    source: GitFrames | PackagedVideo
    what: str = "object"  # what the ground-truth objects are
    scripted: tuple[Scripted, ...] = ()  # labels written from the dataset's event script instead of masks
    how: str = ""


CLIPS: tuple[Clip, ...] = (
    Clip(
        name="cdnet-highway",
        title="CDnet 2014 baseline/highway: cars and vans on a motorway, trees and their shadows moving in the wind",
        scenario=("vehicles entering", "several vehicles while an event is open", "trees in wind"),
        fps=25.0,
        fps_note="CDnet publishes no frame rate for this video; 25 fps assumed (1700 frames, 68 s)",
        origin="changedetection.net CDnet 2014 (Goyette et al., CVPRW 2012; Wang et al., CVPRW 2014), "
        "category baseline, video highway, 320x240, 1700 frames with per-frame ground truth for 470-1700, "
        "as copied into github:ZZZZZZZJJHHH/FrameDifference",
        licence="No licence file in the dataset or the copy; changedetection.net offers the data for research "
        "and asks for citation of the two papers. Not redistributed by this project.",
        source=GitFrames(
            repo="ZZZZZZZJJHHH/FrameDifference",
            commit="07919e2e14a9e0473d26f4b079b22a7d0949a276",
            folder="highway",
            frames="highway/input/in{n:06d}.jpg",
            first=1,
            last=1700,
            groundtruth="highway/groundtruth/gt{n:06d}.png",
            labelled=(470, 1700),
        ),
        what="vehicle",
        how="CDnet masks (value 255) -> objects -> intrusions (bench/footage/labels.py); scored on the "
        "dataset's temporal ROI, frames 470-1700",
    ),
    Clip(
        name="wallflower-wavingtrees",
        title="Wallflower WavingTrees: a tree sways in the wind, then a person walks in and stands in front of it",
        scenario=("trees in wind", "person entering"),
        fps=4.0,
        fps_note="the Wallflower sequences were sampled at 4 Hz (Toyama et al., ICCV 1999)",
        origin="Microsoft Research Wallflower test images (Toyama, Krumm, Brumitt, Meyers, ICCV 1999), "
        "sequence WavingTrees, 160x120, frames 0-286, as copied into github:ZiyangS/BackgroundSubtraction",
        licence="Microsoft Research download 54651 ('Test Images for Wallflower Paper'), under the terms of "
        "that download (research use); the copy has no licence file. Not redistributed by this project.",
        source=GitFrames(
            repo="ZiyangS/BackgroundSubtraction",
            commit="c038c7b3b5246814c73395a2b34b3e0857d77f08",
            folder="WavingTrees",
            frames="WavingTrees/b{n:05d}.bmp",
            first=0,
            last=286,
        ),
        scripted=(Scripted(242, 286, "person"),),
        how="the dataset's script.txt: '00242 - John enters scene' (checked by eye: first visible at 243, "
        "in every frame after; its hand-segmented frame 247 shows him); he stays to the end",
    ),
    Clip(
        name="wallflower-camouflage",
        title="Wallflower Camouflage: a computer monitor shows rolling interference bars; a person walks in front of it",
        scenario=("flickering screen", "person entering"),
        fps=4.0,
        fps_note="the Wallflower sequences were sampled at 4 Hz (Toyama et al., ICCV 1999)",
        origin="Microsoft Research Wallflower test images (Toyama, Krumm, Brumitt, Meyers, ICCV 1999), "
        "sequence Camouflage, 160x120, frames 0-352, as copied into github:joelloo/18660_project (data/Camouflage, "
        "removed from that repository later; read at the commit that has it)",
        licence="Microsoft Research download 54651 ('Test Images for Wallflower Paper'), under the terms of "
        "that download (research use); the copy has no licence file. Not redistributed by this project.",
        source=GitFrames(
            repo="joelloo/18660_project",
            commit="a72b520b2eb76f4fee1d7b4c6af1c9ba5afea9f7",
            folder="data/Camouflage",
            frames="data/Camouflage/b{n:05d}.bmp",
            first=0,
            last=352,
        ),
        scripted=(Scripted(241, 280, "person"),),
        how="the dataset's script.txt: '00241 - Brian enters scene', '00280 - Brian leaves scene'",
    ),
    Clip(
        name="wallflower-movedobject",
        title="Wallflower MovedObject: a conference room; a person comes in, sits, telephones and leaves with the "
        "chair and phone moved, then does it again",
        scenario=("person entering", "person entering again", "objects left moved"),
        fps=4.0,
        fps_note="the Wallflower sequences were sampled at 4 Hz (Toyama et al., ICCV 1999)",
        origin="Microsoft Research Wallflower test images (Toyama, Krumm, Brumitt, Meyers, ICCV 1999), "
        "sequence MovedObject, 160x120, frames 0-1744, as copied into github:joelloo/18660_project "
        "(data/MovedObject, at the commit that has it)",
        licence="Microsoft Research download 54651 ('Test Images for Wallflower Paper'), under the terms of "
        "that download (research use); the copy has no licence file. Not redistributed by this project.",
        source=GitFrames(
            repo="joelloo/18660_project",
            commit="a72b520b2eb76f4fee1d7b4c6af1c9ba5afea9f7",
            folder="data/MovedObject",
            frames="data/MovedObject/b{n:05d}.bmp",
            first=0,
            last=1744,
        ),
        scripted=(Scripted(637, 891, "person"), Scripted(1389, 1502, "person")),
        how="the dataset's script.txt: '00637 - John enters scene, sits, telephones', '00891 - John leaves scene "
        "with chair and phone moved', '01389 - John re-enters, sits, telephones', '01502 - John leaves scene "
        "with chair and phone moved'; the moved chair afterwards is no intrusion",
    ),
    Clip(
        name="opencv-tree",
        title="OpenCV sample tree.avi: leaves moving in the wind against a bright sky, then a hand reaches in",
        scenario=("trees in wind", "hand in front of a tree"),
        fps=0.0,
        fps_note="the file's own frame rate",
        origin="OpenCV samples/data/tree.avi, shipped in Debian's opencv-doc package "
        "(usr/share/doc/opencv-doc/examples/data/tree.avi); ../shared/data/video/tree_sway.avi is the same file",
        licence="Apache-2.0 AND BSD-3-Clause (Debian copyright file of OpenCV 4.6)",
        source=PackagedVideo(
            shared="video/tree_sway.avi",
            package="opencv-doc",
            member="usr/share/doc/opencv-doc/examples/data/tree.avi",
            sha256="4666099d0f704e310047b2f0a5ec9f936cb76a7271de9a2e70a0c57f82ac82dc",
        ),
        scripted=(Scripted(53, 67, "hand"),),
        how="labelled by eye by this project (no ground truth ships with it): the hand's fingertips appear "
        "at the top right in frame 53 and it stays to the last frame, 67; the clip ends 0.93 s after it "
        "appears, so only a detector that decides within that time can catch it",
    ),
)
