#!/usr/bin/python
"""Module: a keystone application credential."""

from __future__ import annotations

DOCUMENTATION = r"""
module: application_credential
author: stackwright developers
short_description: A keystone application credential
description:
  - Creates or deletes an application credential of a user, for the project the module's own
    token is scoped to. Keystone lets a user manage only their own application credentials.
  - An application credential cannot be changed. When an existing one differs from the options,
    the module fails, unless I(recreate) is true; it then deletes it and creates a new one, with a
    new secret (whatever used the old secret stops working).
  - The secret is in the result only when the credential is created; keep it then. Run the task
    with C(no_log) to keep it out of logs.
options:
  name:
    description: Name of the application credential (unique per user).
    type: str
    required: true
  user:
    description: The user (name or id) owning it; unset, the user the module authenticates as.
    type: str
  description:
    description: Description.
    type: str
  secret:
    description: The secret to set; unset, keystone generates one. Never compared.
    type: str
  roles:
    description:
      - Roles (names or ids) the credential carries, a subset of the user's roles on the project;
        unset, all of them.
    type: list
    elements: str
  expires_at:
    description: Expiry, as an ISO 8601 UTC time (C(2030-01-01T00:00:00)); unset, it never expires.
    type: str
  unrestricted:
    description: Whether the credential may create other application credentials and trusts.
    type: bool
  recreate:
    description: Delete and create again an existing credential that differs from the options.
    type: bool
    default: false
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: A credential for the monitoring agent
  stackwright.cloud.application_credential:
    cloud: monitoring
    name: exporter
    roles: [reader]
  register: exporter_credential
  no_log: true
"""

RETURN = r"""
application_credential:
  description:
    - The application credential (C(null) when absent); in check mode, the would-be one.
    - I(secret) is set only in the run that created it.
  type: dict
  returned: always
  sample: {"id": "aa11...", "name": "exporter", "secret": "q9X...", "project_id": "8a3c...",
           "roles": [{"id": "47ab...", "name": "reader"}], "unrestricted": false, "expires_at": null}
"""

from functools import cached_property
from typing import ClassVar

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import sdk_exceptions
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import (
    ResourceModule,
    ResourceSpec,
    role_id,
    user_id,
)


def expiry(value):
    """An expiry time as compared: keystone adds microseconds (.000000) and drops a final Z."""
    if not value:
        return None
    value = str(value).removesuffix("Z").removesuffix("+00:00")
    return value.removesuffix(".000000")


class ApplicationCredentialModule(ResourceModule):
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str", required=True),
        user=dict(type="str"),
        description=dict(type="str"),
        secret=dict(type="str", no_log=True),
        roles=dict(type="list", elements="str"),
        expires_at=dict(type="str"),
        unrestricted=dict(type="bool"),
        recreate=dict(type="bool", default=False),
    )
    spec = ResourceSpec(
        service="identity",
        kind="application_credential",
        attributes={
            "name": "name",
            "description": "description",
            "roles": "roles",
            "expires_at": "expires_at",
            "unrestricted": "unrestricted",
        },
        unordered=("roles",),
    )

    @cached_property
    def owner(self):
        """Id of the user owning the credential."""
        return user_id(self.conn, self.params["user"]) if self.params["user"] else self.conn.current_user_id

    def desired(self):
        p = self.params
        roles = None if self.absent or p["roles"] is None else [role_id(self.conn, r) for r in p["roles"]]
        return {
            "name": p["name"],
            "description": p["description"],
            "roles": roles,
            "expires_at": expiry(p["expires_at"]),
            "unrestricted": p["unrestricted"],
        }

    def recreate_allowed(self):
        return self.params["recreate"]

    def find(self, desired):
        try:
            return self.proxy.find_application_credential(self.owner, desired["name"], ignore_missing=False)
        except sdk_exceptions.NotFoundException:
            return None

    def view(self, resource):
        current = super().view(resource)
        current["roles"] = [r["id"] for r in resource.roles or []]
        current["expires_at"] = expiry(resource.expires_at)
        return current

    def to_sdk(self, values):
        attrs = dict(values)
        if attrs.get("roles") is not None:
            attrs["roles"] = [{"id": r} for r in attrs["roles"]]
        return attrs

    def create(self, attrs):
        attrs = dict(attrs)
        if self.params["secret"]:
            attrs["secret"] = self.params["secret"]
        return self.proxy.create_application_credential(self.owner, attrs.pop("name"), **attrs)

    def delete(self, resource):
        self.proxy.delete_application_credential(self.owner, resource, ignore_missing=True)


def main():
    ApplicationCredentialModule()()


if __name__ == "__main__":
    main()
