"""The test guest image's own decisions: recipe hash and cache, package and module resolution, the
initramfs and disk layout, and what its init promises on the console."""

from __future__ import annotations

import shutil
import stat
import subprocess

import pytest

from stackwright import cli, guest

ROOTFS = guest.RECIPE / "rootfs"
RCS = ROOTFS / "etc/init.d/rcS"


def read_newc(data: bytes) -> list[dict]:
    """Just enough of a newc reader to check what cpio_newc writes."""
    entries, pos = [], 0
    names = ("ino", "mode", "uid", "gid", "nlink", "mtime", "size", "maj", "min", "rmaj", "rmin", "namesize")
    while True:
        assert data[pos : pos + 6] == b"070701"
        values = [int(data[pos + 6 + 8 * i : pos + 14 + 8 * i], 16) for i in range(12)]
        fields = dict(zip(names, values, strict=True))
        name_at = pos + 110
        name = data[name_at : name_at + fields["namesize"] - 1].decode()
        body_at = name_at + fields["namesize"]
        body_at += -body_at % 4
        fields["name"], fields["data"] = name, data[body_at : body_at + fields["size"]]
        entries.append(fields)
        pos = body_at + fields["size"]
        pos += -pos % 4
        if name == "TRAILER!!!":
            return entries


def test_recipe_hash_follows_recipe_mirror_and_modes(tmp_path):
    recipe = tmp_path / "guest"
    shutil.copytree(guest.RECIPE, recipe)
    base = guest.recipe_hash("http://deb.debian.org/debian", recipe)
    assert base == guest.recipe_hash("http://deb.debian.org/debian", recipe)
    assert base != guest.recipe_hash("http://mirror.example/debian", recipe)
    (recipe / "README.md").write_text("docs only")
    assert guest.recipe_hash("http://deb.debian.org/debian", recipe) == base
    init = recipe / "rootfs/etc/init.d/rcS"
    init.chmod(0o644)
    assert guest.recipe_hash("http://deb.debian.org/debian", recipe) != base
    init.chmod(0o755)
    init.write_text(init.read_text() + "\n# changed\n")
    assert guest.recipe_hash("http://deb.debian.org/debian", recipe) != base


def test_an_image_of_this_recipe_is_used_as_is(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKWRIGHT_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("STACKWRIGHT_DEBIAN_MIRROR", "http://mirror.example/debian")
    target = guest.image_path(guest.recipe_hash("http://mirror.example/debian"))
    assert target.parent == tmp_path / "guest" and target.name.startswith("stackwright-guest-")
    target.parent.mkdir(parents=True)
    target.write_bytes(b"qcow2")

    def no_build(*args):
        raise AssertionError("nothing to build")

    monkeypatch.setattr(guest, "_build", no_build)
    result = guest.ensure(log=lambda msg: None)
    assert (result.path, result.built) == (target, False)


def test_a_build_replaces_older_recipes_images(tmp_path, monkeypatch):
    monkeypatch.setenv("STACKWRIGHT_STATE_DIR", str(tmp_path))
    old = tmp_path / "guest" / "stackwright-guest-000000000000.qcow2"
    old.parent.mkdir(parents=True)
    old.write_bytes(b"old")
    built = []

    def build(target, mirror, out):
        built.append(mirror)
        target.write_bytes(b"new")

    monkeypatch.setattr(guest, "_build", build)
    result = guest.ensure(log=lambda msg: None)
    assert result.built and result.path.read_bytes() == b"new"
    assert not old.exists()
    link = tmp_path / "guest" / "stackwright-guest.qcow2"
    assert link.is_symlink() and link.resolve() == result.path.resolve()
    assert guest.ensure(log=lambda msg: None).built is False
    assert guest.ensure(force=True, log=lambda msg: None).built is True
    assert len(built) == 2


def test_apt_metadata_kernel_and_file_names():
    text = (
        "Package: linux-image-cloud-amd64\nVersion: 6.12.107-1\nArchitecture: amd64\n"
        "Depends: linux-image-6.12.107+deb13-cloud-amd64 (= 6.12.107-1)\nDescription: x\n more\n\n"
        "Package: busybox-static\nVersion: 1:1.37.0-6+b9\nArchitecture: amd64\n"
    )
    found = guest.parse_stanzas(text)
    assert (
        guest.first_dependency(found["linux-image-cloud-amd64"]) == "linux-image-6.12.107+deb13-cloud-amd64"
    )
    assert guest.deb_filename(found["busybox-static"]) == "busybox-static_1%3a1.37.0-6+b9_amd64.deb"
    with pytest.raises(guest.GuestError):
        guest.first_dependency({"Package": "lonely"})


def test_modules_load_after_their_dependencies_and_builtins_are_skipped():
    modinfo = b"\x7fELF...\0license=GPL\0depends=net_failover,virtio_ring\0name=virtio_net\0"
    assert guest.module_depends(modinfo) == ["net_failover", "virtio_ring"]
    assert guest.module_depends(b"license=GPL\0depends=\0name=failover\0") == []
    assert guest.module_name("kernel/drivers/char/hw_random/virtio-rng.ko.xz") == "virtio_rng"
    deps = {"virtio_net": ["net_failover", "virtio_ring"], "net_failover": ["failover"], "failover": []}
    order = guest.load_order(["virtio_net", "failover"], deps, builtin={"virtio_ring"})
    assert order == ["failover", "net_failover", "virtio_net"]
    with pytest.raises(guest.GuestError, match="vhost"):
        guest.load_order(["vhost"], deps, builtin=set())
    with pytest.raises(guest.GuestError, match="cycle"):
        guest.load_order(["a"], {"a": ["b"], "b": ["a"]}, builtin=set())


def test_shared_libraries_come_from_the_packages_or_the_build_fails(tmp_path):
    listing = (
        "\tlinux-vdso.so.1 (0x00007ffd)\n"
        f"\tlibz.so.1 => {tmp_path}/usr/lib/x86_64-linux-gnu/libz.so.1 (0x00007f8f3da0d000)\n"
        f"\t/lib64/ld-linux-x86-64.so.2 => {tmp_path}/usr/lib64/ld-linux-x86-64.so.2 (0x00007f8f3db76000)\n"
    )
    assert guest.parse_ldd(listing, tmp_path) == [
        "usr/lib/x86_64-linux-gnu/libz.so.1",
        "usr/lib64/ld-linux-x86-64.so.2",
    ]
    with pytest.raises(guest.GuestError, match=r"libgmp\.so\.10"):
        guest.parse_ldd(listing + "\tlibgmp.so.10 => not found\n", tmp_path)
    # Found only on the build host (the packages lack it): as missing, never copied from the host.
    with pytest.raises(guest.GuestError, match=r"libcap\.so\.2 \(add their packages"):
        guest.parse_ldd(listing + "\tlibcap.so.2 => /lib/x86_64-linux-gnu/libcap.so.2 (0x00007f)\n", tmp_path)


def test_initramfs_is_owned_by_root_whoever_builds_it(tmp_path):
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/init.d").mkdir()
    (tmp_path / "etc/init.d/rcS").write_text("#!/bin/sh\n")
    (tmp_path / "etc/init.d/rcS").chmod(0o755)
    (tmp_path / "init").symlink_to("sbin/init")
    archive = guest.cpio_newc(tmp_path, [("dev/console", stat.S_IFCHR | 0o600, 5, 1)])
    assert len(archive) % 512 == 0
    entries = {e["name"]: e for e in read_newc(archive)}
    assert list(entries)[-1] == "TRAILER!!!"
    assert all(e["uid"] == 0 and e["gid"] == 0 and e["mtime"] == guest.EPOCH for e in entries.values())
    assert stat.S_ISDIR(entries["etc"]["mode"])
    assert list(entries).index("etc") < list(entries).index("etc/init.d/rcS")
    rcs = entries["etc/init.d/rcS"]
    assert stat.S_IMODE(rcs["mode"]) == 0o755 and rcs["data"] == b"#!/bin/sh\n"
    assert stat.S_ISLNK(entries["init"]["mode"]) and entries["init"]["data"] == b"sbin/init"
    console = entries["dev/console"]
    assert stat.S_ISCHR(console["mode"]) and (console["rmaj"], console["rmin"]) == (5, 1)


def test_disk_has_one_active_partition_where_the_fat_file_system_is():
    record = guest.mbr(b"\xfa" * 440, guest.PARTITION_START, 18 * 2048)
    assert len(record) == 512 and record[510:] == b"\x55\xaa" and record[:440] == b"\xfa" * 440
    entry = record[446:462]
    assert entry[0] == 0x80 and entry[4] == guest.PARTITION_TYPE
    assert int.from_bytes(entry[8:12], "little") == 2048
    assert int.from_bytes(entry[12:16], "little") == 18 * 2048
    assert record[462:510] == b"\0" * 48
    with pytest.raises(guest.GuestError):
        guest.mbr(b"x" * 441, 2048, 1)
    # Room for a 12 MB kernel and a 3 MB initrd, and never less than FAT16 wants.
    assert guest.partition_mib(15 * 2**20) >= 17
    assert guest.partition_mib(1) == 16


def test_recipe_lists():
    assert {"busybox-static", "dropbear-bin"} <= set(guest.recipe_lines(guest.RECIPE / "packages.txt"))
    assert "virtio_net" in guest.recipe_lines(guest.RECIPE / "modules.txt")


def test_kernel_prints_to_the_serial_console_that_nova_logs():
    append = next(
        line.split(None, 1)[1] for line in (guest.RECIPE / "syslinux.cfg").read_text().splitlines()
        if line.strip().startswith("APPEND")
    )  # fmt: skip
    consoles = [arg for arg in append.split() if arg.startswith("console=")]
    assert consoles[0] == "console=tty0" and consoles[-1].startswith("console=ttyS0")


def test_init_script_keeps_its_promises():
    text = RCS.read_text()
    subprocess.run(["sh", "-n", str(RCS)], check=True)
    subprocess.run(["sh", "-n", str(ROOTFS / "usr/share/udhcpc/default.script")], check=True)
    for path in (RCS, ROOTFS / "usr/share/udhcpc/default.script", ROOTFS / "etc/acpi/PWRF/00000080"):
        assert path.stat().st_mode & 0o111, f"{path} must be executable"
    assert "::sysinit:/etc/init.d/rcS" in (ROOTFS / "etc/inittab").read_text()
    assert (ROOTFS / "etc/passwd").read_text().startswith("root:x:0:0:root:/root:/bin/sh\n")
    # The markers tests wait for, and the metadata paths it reads.
    for promise in (
        "MARK=STACKWRIGHT-GUEST",
        'say "metadata=$metadata key=$key userdata=$userdata"',
        'say "ready uptime=',
        'say "hostkey ',
        "METADATA=http://169.254.169.254",
        "/openstack/latest/meta_data.json",
        "/openstack/latest/user_data",
        "/latest/meta-data/public-keys/0/openssh-key",
        "/latest/user-data",
        "-O staticroutes",
        "/etc/guest-modules",
    ):
        assert promise in text, promise
    # Public keys only, on port 22, with a host key made at boot (never one baked into the image).
    assert "dropbear -F -E -s -p 22 -r $hostkey" in text
    assert "dropbearkey -t ed25519" in text
    assert not any(p.name.startswith("dropbear_") for p in ROOTFS.rglob("*"))


def test_cli_prints_the_cached_image_path(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("STACKWRIGHT_STATE_DIR", str(tmp_path))
    target = guest.image_path(guest.recipe_hash(guest.image.settings()[0]))
    target.parent.mkdir(parents=True)
    target.write_bytes(b"qcow2")
    assert cli.main(["image", "guest"]) == 0
    assert capsys.readouterr().out == f"{target}: cached, nothing to build\n"
