"""The lab node image: built from images/node, cached under a tag derived from the recipe."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from stackwright import paths

RECIPE = paths.IMAGES / "node"
REPOSITORY = "localhost/stackwright-node"
DEFAULT_MIRROR = "http://deb.debian.org/debian"
HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


class ImageError(Exception):
    pass


@dataclass
class ImageResult:
    tag: str
    built: bool
    seconds: float


def settings() -> tuple[str, str]:
    """Mirror and extra CA bundle: the deploy host's own bundle by default, '' to leave it out."""
    mirror = os.environ.get("STACKWRIGHT_DEBIAN_MIRROR", DEFAULT_MIRROR)
    ca = os.environ.get("STACKWRIGHT_EXTRA_CA_BUNDLE")
    if ca is None:
        ca = HOST_CA_BUNDLE if Path(HOST_CA_BUNDLE).exists() else ""
    return mirror, ca


def recipe_hash(mirror: str, ca_bundle: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(RECIPE.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(RECIPE)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(mirror.encode() + b"\0")
    if ca_bundle:
        digest.update(Path(ca_bundle).read_bytes())
    return digest.hexdigest()[:12]


def exists(tag: str) -> bool:
    return subprocess.run(["podman", "image", "exists", tag], check=False).returncode == 0


def ensure(force: bool = False, log=print) -> ImageResult:
    """Build the node image unless an image of this very recipe exists already."""
    mirror, ca_bundle = settings()
    tag = f"{REPOSITORY}:{recipe_hash(mirror, ca_bundle)}"
    if not force and exists(tag):
        return ImageResult(tag, False, 0.0)
    log(f"building node image {tag} (debootstrap trixie from {mirror}, about a minute)")
    logfile = paths.state_dir() / "image-build.log"
    logfile.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    with logfile.open("w") as out:
        proc = subprocess.run(
            ["bash", str(RECIPE / "build.sh"), tag, mirror, ca_bundle],
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if proc.returncode != 0:
        tail = "\n".join(logfile.read_text().splitlines()[-20:])
        raise ImageError(f"node image build failed (full log: {logfile}):\n{tail}")
    subprocess.run(["podman", "tag", tag, f"{REPOSITORY}:latest"], check=True)
    _prune(keep=tag)
    return ImageResult(tag, True, time.monotonic() - start)


def _prune(keep: str) -> None:
    """Drop images of older recipes that no container uses any more."""
    out = subprocess.run(
        ["podman", "images", "--format", "{{.Repository}}:{{.Tag}}", REPOSITORY],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    for tag in out:
        if tag not in (keep, f"{REPOSITORY}:latest"):
            # Fails harmlessly while a container still uses the image.
            subprocess.run(["podman", "rmi", tag], capture_output=True, check=False)
