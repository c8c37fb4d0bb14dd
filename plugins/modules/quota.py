#!/usr/bin/python
"""Module: the compute, network and volume quotas of a project."""

from __future__ import annotations

DOCUMENTATION = r"""
module: quota
author: stackwright developers
short_description: The compute, network and volume quotas of a project
description:
  - Sets some of a project's quotas in nova (I(compute)), neutron (I(network)) and cinder
    (I(volume)), changing only the limits that differ; the limits not named are left alone.
  - C(state=absent) resets the project's quotas to the defaults, for the services named (with
    any value, C({}) for instance), or for every one of the three services the cloud has.
options:
  project:
    description: The project (name or id).
    type: str
    required: true
  project_domain:
    description: Domain (name or id) to look I(project) up in.
    type: str
  compute:
    description:
      - Nova limits, by the SDK's names (C(instances), C(cores), C(ram), C(key_pairs),
        C(server_groups), C(server_group_members), C(metadata_items)...). C(-1) is unlimited.
    type: dict
  network:
    description:
      - Neutron limits, by the SDK's names (C(networks), C(subnets), C(ports), C(routers),
        C(floating_ips), C(security_groups), C(security_group_rules), C(rbac_policies)...).
    type: dict
  volume:
    description:
      - Cinder limits, by the SDK's names (C(volumes), C(gigabytes), C(snapshots), C(backups),
        C(backup_gigabytes), C(per_volume_gigabytes), C(groups)).
    type: dict
  state:
    description: C(present) sets the limits given; C(absent) resets to the defaults.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - stackwright.cloud.openstack
attributes:
  check_mode:
    description: Reports the limits that would change, changing nothing.
    support: full
  diff_mode:
    description: Returns the limits that change, before and after, by service.
    support: full
"""

EXAMPLES = r"""
- name: The demo project's quotas
  stackwright.cloud.quota:
    cloud: admin
    project: demo
    project_domain: Default
    compute: {instances: 20, cores: 40, ram: 81920}
    network: {floating_ips: 5, routers: 2}
    volume: {gigabytes: 500}

- name: Back to the defaults
  stackwright.cloud.quota:
    cloud: admin
    project: demo
    project_domain: Default
    state: absent
"""

RETURN = r"""
quotas:
  description: The limits of each service handled, after the change (or as they would be, in check mode).
  type: dict
  returned: always
  sample: {"compute": {"instances": 20, "cores": 40, "ram": 81920}, "network": {"floating_ips": 5}}
"""

from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightError,
    StackwrightModule,
)
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    NotFoundError,
    differences,
    project_id,
)

try:
    from openstack import fields as sdk_fields
    from openstack.block_storage.v3.quota_set import QuotaSet as VolumeQuotaSet
    from openstack.compute.v2.quota_set import QuotaSet as ComputeQuotaSet
    from openstack.network.v2.quota import Quota as NetworkQuota
except ImportError:  # pragma: no cover - reported by StackwrightModule
    sdk_fields = ComputeQuotaSet = NetworkQuota = VolumeQuotaSet = None

NOT_LIMITS = {
    "id",
    "name",
    "location",
    "project_id",
    "tenant_id",
    "force",
    "check_limit",
    "usage",
    "reservation",
}


def limit_names(cls) -> set[str]:
    """The limits a quota resource class has (its body attributes, less the bookkeeping)."""
    return {
        name
        for klass in cls.__mro__
        for name, component in vars(klass).items()
        if name not in NOT_LIMITS and isinstance(component, sdk_fields.Body)
    }


class Service:
    """How to read, set and reset one service's quotas through the SDK."""

    def __init__(self, option, proxy, catalog, cls):
        self.option, self.proxy, self.catalog, self.cls = option, proxy, catalog, cls

    def get(self, conn, project):
        proxy = getattr(conn, self.proxy)
        return proxy.get_quota(project) if self.option == "network" else proxy.get_quota_set(project)

    def defaults(self, conn, project):
        proxy = getattr(conn, self.proxy)
        if self.option == "network":
            return proxy.get_quota_default(project)
        return proxy.get_quota_set_defaults(project)

    def set(self, conn, project, limits):
        proxy = getattr(conn, self.proxy)
        if self.option == "network":
            return proxy.update_quota(project, **limits)
        return proxy.update_quota_set(project, **limits)

    def reset(self, conn, project):
        proxy = getattr(conn, self.proxy)
        if self.option == "network":
            proxy.delete_quota(project, ignore_missing=True)
        else:
            proxy.revert_quota_set(project)


SERVICES = [
    Service("compute", "compute", "compute", ComputeQuotaSet),
    Service("network", "network", "network", NetworkQuota),
    Service("volume", "block_storage", "block-storage", VolumeQuotaSet),
]


def limits_of(quota, names) -> dict:
    return {name: getattr(quota, name, None) for name in sorted(names)}


class QuotaModule(StackwrightModule):
    argument_spec: ClassVar[dict] = dict(
        project=dict(type="str", required=True),
        project_domain=dict(type="str"),
        compute=dict(type="dict"),
        network=dict(type="dict"),
        volume=dict(type="dict"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )

    def requested(self, service) -> dict:
        limits = self.params[service.option]
        unknown = sorted(set(limits) - limit_names(service.cls))
        if unknown:
            raise StackwrightError(
                f"{service.option}: unknown limits {unknown}; known: {sorted(limit_names(service.cls))}"
            )
        bad = sorted(k for k, v in limits.items() if not isinstance(v, int) or isinstance(v, bool))
        if bad:
            raise StackwrightError(f"{service.option}: limits {bad} must be integers (-1: unlimited)")
        return limits

    def run(self):
        p = self.params
        absent = p["state"] == "absent"
        named = [s for s in SERVICES if p[s.option] is not None]
        if absent and not named:
            named = [s for s in SERVICES if self.conn.has_service(s.catalog)]
        if not named:
            raise StackwrightError("name the limits to set: compute, network and/or volume")
        try:
            project = project_id(self.conn, p["project"], p["project_domain"])
        except NotFoundError:
            if absent:
                return {"changed": False, "quotas": {}}
            raise
        before, after, quotas = {}, {}, {}
        for service in named:
            current = service.get(self.conn, project)
            if absent:
                names = limit_names(service.cls)
                wanted = limits_of(service.defaults(self.conn, project), names)
            else:
                wanted = self.requested(service)
                names = set(wanted)
            now = limits_of(current, names)
            changes = differences(now, wanted, sorted(names))
            quotas[service.option] = {**now, **changes}
            if not changes:
                continue
            before[service.option] = {k: now[k] for k in changes}
            after[service.option] = changes
            if self.check_mode:
                continue
            if absent:
                service.reset(self.conn, project)
            else:
                service.set(self.conn, project, changes)
        result = {"changed": bool(after), "quotas": quotas}
        if self.diff:
            result["diff"] = {"before": before, "after": after}
        return result


def main():
    QuotaModule()()


if __name__ == "__main__":
    main()
