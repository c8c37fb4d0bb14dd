#!/usr/bin/env bash
# Build the lab node image: Debian 13 (trixie) minbase with systemd, sshd and python3,
# imported into podman as TAG. Called by `stackwright image build`, which decides from a
# hash of this recipe whether a build is needed at all.
#   build.sh TAG MIRROR [EXTRA_CA_BUNDLE]
set -euo pipefail
tag=$1
mirror=$2
ca_bundle=${3:-}
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d /var/tmp/stackwright-node.XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
packages=$(grep -v -e '^#' -e '^$' "$here/packages.txt" | paste -sd, -)

debootstrap --variant=minbase --include="$packages" trixie "$rootfs" "$mirror"

# Every node must get its own machine-id (libvirt host UUIDs, journald) and its own host keys.
: > "$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id" "$rootfs"/etc/ssh/ssh_host_*
install -m 0644 "$here/ssh-hostkeys.service" "$rootfs/etc/systemd/system/ssh-hostkeys.service"
ln -sf /etc/systemd/system/ssh-hostkeys.service \
  "$rootfs/etc/systemd/system/multi-user.target.wants/ssh-hostkeys.service"
# A container has no consoles to log in on, and cannot load kernel modules.
for unit in console-getty.service getty.target systemd-modules-load.service; do
  ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done
# Privileged lab nodes share the deploy host's kernel: at boot, apply only the sysctls that are
# namespaced per node (net.*), never kernel-wide ones that would change the deploy host.
install -d "$rootfs/etc/systemd/system/systemd-sysctl.service.d"
install -m 0644 "$here/sysctl-net-only.conf" "$rootfs/etc/systemd/system/systemd-sysctl.service.d/"
# debootstrap copies the build host's names; a node starts with its own.
printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$rootfs/etc/hosts"
: > "$rootfs/etc/hostname"

if [ -n "$ca_bundle" ]; then
  # The same path the host role manages, so that role finds it in place.
  install -m 0644 "$ca_bundle" "$rootfs/usr/local/share/ca-certificates/stackwright-extra.crt"
  chroot "$rootfs" update-ca-certificates >/dev/null
fi

chroot "$rootfs" apt-get clean
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log "$rootfs"/var/cache/debconf/*-old

tar --numeric-owner -C "$rootfs" -c . |
  podman import --change 'CMD ["/sbin/init"]' --change 'STOPSIGNAL=SIGRTMIN+3' - "$tag" >/dev/null
