"""The tiny test guest: a bootable qcow2 disk built from Debian 13 packages, cached by recipe hash.

No cloud image can be downloaded on the deploy host, so end-to-end tests boot this instead: a Debian
cloud kernel and a busybox initramfs on a FAT partition that syslinux boots. Its init (images/guest)
takes an address by DHCP, reads the SSH key and user data from the metadata service, runs dropbear
and prints STACKWRIGHT-GUEST markers on the console. It boots to ready in seconds under QEMU TCG.

The build needs no root and no loop device: packages come from the Debian archive through a private
apt state (the same mirror as the node image), the initramfs is written here, and the disk is made
with mkfs.fat/mtools/syslinux on a plain file, then converted to qcow2 by qemu-img.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import lzma
import os
import re
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from stackwright import image, paths

RECIPE = paths.IMAGES / "guest"
NAME = "stackwright-guest"
SUITE = "trixie"
KERNEL_META = "linux-image-cloud-amd64"
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"
SYSLINUX_MBR = Path("/usr/lib/syslinux/mbr/mbr.bin")
LIBDIR = "usr/lib/x86_64-linux-gnu"
INTERPRETER = "usr/lib64/ld-linux-x86-64.so.2"
# Dynamically linked programs besides busybox: the SSH server, and lsblk (Tempest lists the
# guest's disks with `lsblk -lb --nodeps`; busybox has no lsblk).
BINARIES = ("usr/sbin/dropbear", "usr/bin/dropbearkey", "usr/bin/lsblk")
# The disk: one FAT partition starting at 1 MiB, marked active, type 0x0e (FAT16, LBA).
SECTOR = 512
PARTITION_START = 2048
PARTITION_TYPE = 0x0E
MIB = 1024 * 1024
# Fixed timestamps make the initramfs the same bytes for the same packages.
EPOCH = 0


class GuestError(image.ImageError):
    pass


@dataclass
class GuestResult:
    path: Path
    built: bool
    seconds: float


def guest_dir() -> Path:
    return paths.state_dir() / "guest"


def recipe_hash(mirror: str, recipe: Path = RECIPE) -> str:
    """Everything the image is made from: the recipe files (not its docs), this builder, the mirror."""
    digest = hashlib.sha256()
    for path in sorted(recipe.rglob("*")):
        if path.is_file() and path.suffix != ".md":
            mode = b"x" if os.access(path, os.X_OK) else b"-"
            digest.update(str(path.relative_to(recipe)).encode() + b"\0" + mode + path.read_bytes() + b"\0")
    digest.update(Path(__file__).read_bytes())
    digest.update(f"{mirror}\0{SUITE}\0{KERNEL_META}".encode())
    return digest.hexdigest()[:12]


def image_path(digest: str) -> Path:
    return guest_dir() / f"{NAME}-{digest}.qcow2"


def ensure(force: bool = False, log=print) -> GuestResult:
    """The guest image of this recipe: built unless it exists already. Safe to run concurrently."""
    mirror = image.settings()[0]
    target = image_path(recipe_hash(mirror))
    if not force and target.exists():
        return GuestResult(target, False, 0.0)
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and target.exists():  # built by someone else meanwhile
            return GuestResult(target, False, 0.0)
        log(f"building guest image {target.name} (Debian {SUITE} kernel, busybox, dropbear from {mirror})")
        start = time.monotonic()
        logfile = target.parent / "build.log"
        with logfile.open("w") as out:
            try:
                _build(target, mirror, out)
            except (GuestError, OSError, lzma.LZMAError) as exc:
                out.flush()
                tail = "\n".join(logfile.read_text().splitlines()[-20:])
                raise GuestError(f"guest image build failed: {exc} (full log: {logfile}):\n{tail}") from exc
        _prune(keep=target)
        return GuestResult(target, True, time.monotonic() - start)


def _prune(keep: Path) -> None:
    """Older recipes' images go; a stable name points at the current one."""
    for old in keep.parent.glob(f"{NAME}-*.qcow2"):
        if old != keep:
            old.unlink(missing_ok=True)
    link = keep.parent / f"{NAME}.qcow2"
    tmp = link.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(keep.name)
    tmp.replace(link)


# --- pure helpers (unit-tested) ---------------------------------------------------------------


def recipe_lines(path: Path) -> list[str]:
    """A recipe list: one item a line, '#' comments and blank lines ignored."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def parse_stanzas(text: str) -> dict[str, dict[str, str]]:
    """`apt-cache show` output -> {package: {field: value}} (continuation lines dropped)."""
    out: dict[str, dict[str, str]] = {}
    for block in text.strip().split("\n\n"):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line[:1] not in (" ", "\t") and ":" in line:
                key, _, value = line.partition(":")
                fields[key] = value.strip()
        if "Package" in fields:
            out.setdefault(fields["Package"], fields)
    return out


def first_dependency(fields: dict[str, str]) -> str:
    """The package a metapackage stands for: the first name in its Depends."""
    depends = fields.get("Depends", "")
    match = re.match(r"\s*([a-z0-9][a-z0-9+.-]*)", depends)
    if not match:
        raise GuestError(f"{fields.get('Package')} depends on nothing")
    return match.group(1)


def deb_filename(fields: dict[str, str]) -> str:
    """The file name `apt-get download` gives a package (the epoch's colon is escaped)."""
    version = fields["Version"].replace(":", "%3a")
    return f"{fields['Package']}_{version}_{fields['Architecture']}.deb"


def module_depends(module: bytes) -> list[str]:
    """The `depends=` of a kernel module's .modinfo."""
    match = re.search(rb"(?:^|\0)depends=([^\0]*)\0", module)
    if not match:
        return []
    return [name.decode() for name in match.group(1).split(b",") if name]


def module_name(path: str) -> str:
    """virtio-rng.ko.xz -> virtio_rng: module names use underscores whatever the file says."""
    return Path(path).name.split(".ko")[0].replace("-", "_")


def load_order(wanted: Iterable[str], depends: dict[str, list[str]], builtin: set[str]) -> list[str]:
    """Modules to insmod, dependencies first; built-in ones are skipped."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in builtin or name in order:
            return
        if name not in depends:
            raise GuestError(f"kernel module {name} is neither built in nor in the kernel package")
        if name in visiting:
            raise GuestError(f"kernel module dependency cycle through {name}")
        visiting.add(name)
        for dep in depends[name]:
            visit(dep)
        visiting.discard(name)
        order.append(name)

    for name in wanted:
        visit(module_name(name))
    return order


def parse_ldd(output: str, root: Path) -> list[str]:
    """`ld.so --list` output -> the libraries' paths relative to root; missing ones are an error."""
    found, missing = [], []
    for raw in output.splitlines():
        line = raw.strip()
        if "=> not found" in line:
            missing.append(line.split()[0])
            continue
        match = re.match(r"(\S+) => (/\S+) \(0x[0-9a-f]+\)$", line)
        if match and Path(match.group(2)).is_relative_to(root):
            found.append(str(Path(match.group(2)).relative_to(root)))
        elif match:  # the loader fell back to the build host's own copy
            missing.append(match.group(1))
    if missing:
        raise GuestError(
            f"shared libraries not found in the packages: {', '.join(missing)}"
            " (add their packages to packages.txt)"
        )
    return found


def cpio_newc(root: Path, extra_nodes: Iterable[tuple[str, int, int, int]] = ()) -> bytes:
    """The tree under root as a newc cpio archive owned by root, plus device nodes
    (path, mode, major, minor): what the kernel unpacks as the initramfs, no root needed."""
    out = bytearray()
    ino = 0

    def entry(name: str, mode: int, data: bytes = b"", nlink: int = 1, rdev: tuple[int, int] = (0, 0)):
        nonlocal ino
        ino += 1
        encoded = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, nlink, EPOCH, len(data), 0, 0, rdev[0], rdev[1], len(encoded), 0)
        out.extend(b"070701" + b"".join(b"%08X" % f for f in fields) + encoded)
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        base = Path(dirpath)
        for name in sorted(dirnames + filenames):
            path = base / name
            rel = str(path.relative_to(root))
            st = path.lstat()
            perm = stat.S_IMODE(st.st_mode)
            if stat.S_ISLNK(st.st_mode):
                entry(rel, stat.S_IFLNK | 0o777, os.readlink(path).encode())
            elif stat.S_ISDIR(st.st_mode):
                entry(rel, stat.S_IFDIR | perm, nlink=2)
            elif stat.S_ISREG(st.st_mode):
                entry(rel, stat.S_IFREG | perm, path.read_bytes())
    for name, mode, major, minor in extra_nodes:
        entry(name, mode, rdev=(major, minor))
    entry("TRAILER!!!", 0)
    out.extend(b"\0" * (-len(out) % 512))
    return bytes(out)


def mbr(boot_code: bytes, start: int, sectors: int, ptype: int = PARTITION_TYPE) -> bytes:
    """A master boot record: boot code, one active partition (LBA; CHS says 'use LBA'), signature."""
    if len(boot_code) > 440:
        raise GuestError("MBR boot code is larger than 440 bytes")
    chs_max = b"\xfe\xff\xff"
    entry = b"\x80" + chs_max + bytes([ptype]) + chs_max + start.to_bytes(4, "little")
    entry += sectors.to_bytes(4, "little")
    return boot_code.ljust(446, b"\0") + entry + b"\0" * 48 + b"\x55\xaa"


def partition_mib(payload_bytes: int) -> int:
    """FAT partition size for the files: room for FAT16 overhead and a little slack."""
    return max(16, -(-payload_bytes * 11 // 10 // MIB) + 2)


# --- the build ---------------------------------------------------------------------------------


def _run(cmd: list[str], out, quiet: bool = False, **kwargs) -> subprocess.CompletedProcess:
    """Run a build step, its command line and (unless quiet) its output in the build log."""
    out.write(f"$ {' '.join(cmd)}\n")
    out.flush()
    proc = subprocess.run(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False, **kwargs
    )
    if not quiet or proc.returncode != 0:
        out.write(proc.stdout)
    if proc.returncode != 0:
        raise GuestError(f"{cmd[0]} exited with {proc.returncode}")
    return proc


class _Apt:
    """apt-get/apt-cache on a private state: Debian SUITE from the mirror, host's apt.conf.d applies."""

    def __init__(self, top: Path, mirror: str):
        self.top = top
        for sub in ("sources.list.d", "preferences.d", "lists/partial", "archives/partial"):
            (top / sub).mkdir(parents=True, exist_ok=True)
        (top / "sources.list").write_text(f"deb [signed-by={KEYRING}] {mirror} {SUITE} main\n")
        (top / "status").touch()
        settings = {
            "Dir::Etc::SourceList": top / "sources.list",
            "Dir::Etc::SourceParts": top / "sources.list.d",
            "Dir::Etc::PreferencesParts": top / "preferences.d",
            "Dir::State": top,
            "Dir::State::Lists": top / "lists",
            "Dir::State::status": top / "status",
            "Dir::Cache": top,
            "Dir::Cache::Archives": top / "archives",
            "APT::Architecture": "amd64",
            "Debug::NoLocking": "true",
            # apt cannot hand files it downloads into our directories to its _apt user.
            "APT::Sandbox::User": "root",
        }
        self.options = [f"-o{key}={value}" for key, value in settings.items()]
        self.options.append("-oAPT::Architectures::=amd64")

    def get(self, *args: str, out, cwd: Path | None = None) -> str:
        return _run(["apt-get", "-q", *self.options, *args], out, cwd=cwd).stdout

    def show(self, packages: list[str], out) -> dict[str, dict[str, str]]:
        cmd = ["apt-cache", *self.options, "show", "--no-all-versions", *packages]
        found = parse_stanzas(_run(cmd, out).stdout)
        missing = [p for p in packages if p not in found]
        if missing:
            raise GuestError(f"not in Debian {SUITE}: {', '.join(missing)}")
        return found


def _download(mirror: str, out) -> list[Path]:
    """The packages' .debs, downloaded once into the state dir (kept while the recipe uses them)."""
    apt = _Apt(guest_dir() / "apt", mirror)
    debs = guest_dir() / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    apt.get("update", out=out)
    kernel = first_dependency(apt.show([KERNEL_META], out)[KERNEL_META])
    packages = [kernel, *recipe_lines(RECIPE / "packages.txt")]
    info = apt.show(packages, out)
    files = [debs / deb_filename(info[p]) for p in packages]
    wanted = [p for p, f in zip(packages, files, strict=True) if not f.exists()]
    if wanted:
        apt.get("download", *wanted, out=out, cwd=debs)
    for f in files:
        if not f.exists():
            raise GuestError(f"apt-get download did not produce {f.name}")
    for old in debs.glob("*.deb"):
        if old not in files:
            old.unlink()
    out.write("packages: " + ", ".join(f"{p} {info[p]['Version']}" for p in packages) + "\n")
    return files


def _initramfs(pkgs: Path, root: Path, out) -> tuple[str, bytes]:
    """Stage the guest's root file system from the unpacked packages; returns (kernel version, cpio)."""
    vmlinuz = sorted((pkgs / "boot").glob("vmlinuz-*"))
    if len(vmlinuz) != 1:
        raise GuestError(f"expected one kernel in the packages, found {[p.name for p in vmlinuz]}")
    kver = vmlinuz[0].name.removeprefix("vmlinuz-")
    dirs = ["bin", "sbin", "usr/bin", "usr/sbin", LIBDIR, "usr/lib64", f"lib/modules/{kver}"]
    for d in [*dirs, "dev", "proc", "sys", "run", "tmp", "root", "etc", "var"]:
        (root / d).mkdir(parents=True, exist_ok=True)
    (root / "root").chmod(0o700)
    (root / "tmp").chmod(0o1777)  # world-writable and sticky, as /tmp is
    (root / "var" / "run").symlink_to("../run")
    (root / "lib64").symlink_to("usr/lib64")
    _stage_busybox(pkgs, root, out)
    _stage_binaries(pkgs, root, out)
    _stage_modules(pkgs, root, kver, out)
    _stage_recipe(root)
    return kver, cpio_newc(root, [("dev/console", stat.S_IFCHR | 0o600, 5, 1)])


def _stage_busybox(pkgs: Path, root: Path, out) -> None:
    """busybox with every applet a symlink at its usual place; /init (what the kernel runs) is init."""
    busybox = pkgs / "usr/bin/busybox"
    shutil.copy2(busybox, root / "usr/bin/busybox")
    for applet in _run([str(busybox), "--list-full"], out, quiet=True).stdout.split():
        link = root / applet
        if not (link.exists() or link.is_symlink()):
            link.symlink_to(os.path.relpath(root / "usr/bin/busybox", link.parent))
    (root / "init").symlink_to("sbin/init")


def _stage_binaries(pkgs: Path, root: Path, out) -> None:
    """BINARIES and the shared libraries they need, as the packages' own dynamic loader finds them."""
    libs: set[str] = set()
    for rel in BINARIES:
        shutil.copy2(pkgs / rel, root / rel)
        cmd = [str(pkgs / INTERPRETER), "--library-path", str(pkgs / LIBDIR), "--list", str(pkgs / rel)]
        libs.update(parse_ldd(_run(cmd, out).stdout, pkgs))
    for rel in sorted(libs):
        dest = root / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile((pkgs / rel).resolve(), dest)
        dest.chmod(0o755)


def _stage_modules(pkgs: Path, root: Path, kver: str, out) -> None:
    """The kernel modules of modules.txt and their dependencies, uncompressed (the initramfs is
    compressed as a whole), and /etc/guest-modules: the order init loads them in."""
    moddir = pkgs / "usr/lib/modules" / kver
    builtin = {module_name(line) for line in (moddir / "modules.builtin").read_text().split()}
    files = {module_name(str(p)): p for p in (moddir / "kernel").rglob("*.ko*")}
    wanted = recipe_lines(RECIPE / "modules.txt")
    contents: dict[str, bytes] = {}
    pending = [module_name(w) for w in wanted]
    while pending:  # read only the modules the guest loads, and what they depend on
        name = pending.pop()
        if name in builtin or name in contents or name not in files:
            continue  # a missing one is reported by load_order
        data = files[name].read_bytes()
        contents[name] = lzma.decompress(data) if files[name].name.endswith(".xz") else data
        pending.extend(module_depends(contents[name]))
    order = load_order(wanted, {n: module_depends(c) for n, c in contents.items()}, builtin)
    for name in order:
        (root / f"lib/modules/{kver}/{name}.ko").write_bytes(contents[name])
    (root / "etc/guest-modules").write_text("".join(f"{name}\n" for name in order))
    out.write(f"kernel {kver}; modules loaded at boot: {' '.join(order)}\n")


def _stage_recipe(root: Path) -> None:
    """The recipe's own files (init, udhcpc script, passwd, ...), executable as in the repository."""
    src = RECIPE / "rootfs"
    for path in sorted(src.rglob("*")):
        dest = root / path.relative_to(src)
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_symlink():  # a busybox applet the recipe replaces
            dest.unlink()
        shutil.copyfile(path, dest)
        dest.chmod(0o755 if os.access(path, os.X_OK) else 0o644)


def _disk(kernel: Path, initrd: Path, disk: Path, out) -> None:
    """A raw disk: MBR with syslinux's boot code, one FAT16 partition with syslinux, kernel, initrd."""
    payload = kernel.stat().st_size + initrd.stat().st_size + 256 * 1024
    part_mib = partition_mib(payload)
    part_sectors = part_mib * MIB // SECTOR
    with disk.open("wb") as f:
        f.truncate(PARTITION_START * SECTOR + part_mib * MIB)
    offset = PARTITION_START * SECTOR
    _run(["mkfs.fat", "-F", "16", "-n", "STACKWRIGHT", "--invariant", f"--offset={PARTITION_START}",
          "-h", str(PARTITION_START), str(disk), str(part_mib * 1024)], out)  # fmt: skip
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    for name, src in (("vmlinuz", kernel), ("initrd.img", initrd), ("syslinux.cfg", RECIPE / "syslinux.cfg")):
        _run(["mcopy", "-i", f"{disk}@@{offset}", str(src), f"::{name}"], out, env=env)
    _run(["syslinux", "--install", "--offset", str(offset), str(disk)], out, env=env)
    with disk.open("r+b") as f:
        f.write(mbr(SYSLINUX_MBR.read_bytes()[:440], PARTITION_START, part_sectors))


def _build(target: Path, mirror: str, out) -> None:
    for tool in ("apt-get", "dpkg-deb", "mkfs.fat", "mcopy", "syslinux", "qemu-img"):
        if not shutil.which(tool):
            raise GuestError(f"{tool} is missing: run scripts/prepare-host")
    if not SYSLINUX_MBR.exists():
        raise GuestError(f"{SYSLINUX_MBR} is missing: run scripts/prepare-host")
    debs = _download(mirror, out)
    with tempfile.TemporaryDirectory(prefix="stackwright-guest.", dir=target.parent) as tmp:
        work = Path(tmp)
        pkgs = work / "pkgs"
        for deb in debs:
            _run(["dpkg-deb", "-x", str(deb), str(pkgs)], out)
        kver, archive = _initramfs(pkgs, work / "root", out)
        initrd = work / "initrd.img"
        initrd.write_bytes(gzip.compress(archive, compresslevel=9, mtime=EPOCH))
        disk = work / "disk.raw"
        _disk(pkgs / "boot" / f"vmlinuz-{kver}", initrd, disk, out)
        qcow2 = work / "disk.qcow2"
        _run(["qemu-img", "convert", "-f", "raw", "-O", "qcow2", str(disk), str(qcow2)], out)
        out.write(f"initrd {initrd.stat().st_size} bytes, qcow2 {qcow2.stat().st_size} bytes\n")
        os.replace(qcow2, target)
