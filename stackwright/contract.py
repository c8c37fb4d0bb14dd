"""The contract between inventories and roles: the groups and networks stackwright knows.

docs/inventory.md documents the same names; a unit test keeps the two in step.
"""

from __future__ import annotations

# Inventory groups, and what a host in each runs.
GROUPS: dict[str, str] = {
    "control": "API services, schedulers and conductors; haproxy and keepalived for the VIPs; memcached",
    "database": "MariaDB servers (a Galera cluster when there are several)",
    "messaging": "RabbitMQ nodes (a cluster when there are several)",
    "network": "OVN northd and gateway chassis; the provider (external) network bridge",
    "compute": "nova-compute with libvirt/QEMU and ovn-controller",
    "storage": "Ceph monitors, managers and OSDs",
}
# Ansible's own groups, always present.
BUILTIN_GROUPS = frozenset({"all", "ungrouped"})

# Networks a host can sit on; each host variable <network>_address gives its address there.
NETWORKS: dict[str, str] = {
    "management": "SSH, APIs, database and message queue traffic; required on every host",
    "tunnel": "Geneve overlay between chassis",
    "storage": "Ceph public traffic",
    "external": "provider network for floating IPs and the public VIP",
}
REQUIRED_NETWORK = "management"
# Groups whose hosts also need an address on a given network: Ceph's daemons listen on storage.
GROUP_NETWORKS: dict[str, str] = {"storage": "storage"}

# VIP variables and the network each must sit in.
VIPS: dict[str, str] = {
    "internal_vip_address": "management",
    "external_vip_address": "external",
}


def address_var(network: str) -> str:
    return f"{network}_address"
