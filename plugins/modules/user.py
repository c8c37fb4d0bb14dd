#!/usr/bin/python
"""Module: a keystone user."""

from __future__ import annotations

DOCUMENTATION = r"""
module: user
author: stackwright developers
short_description: A keystone user
description:
  - Creates, updates or deletes a keystone (identity v3) user, found by name (or id) within its
    domain.
  - Keystone never returns a password, so a password cannot be compared; I(update_password)
    decides when it is sent.
options:
  name:
    description: Name (or id, to find an existing one) of the user.
    type: str
    required: true
  domain:
    description:
      - Domain (name or id) owning the user. Unset, the user is looked up in every domain
        (several matches fail) and created in the domain of the token. Fixed at creation.
    type: str
  password:
    description: The user's password.
    type: str
  update_password:
    description:
      - C(on_create) sets I(password) only when the user is created; the module stays idempotent.
      - C(always) also sets it on every run for an existing user, and so always reports a change.
    type: str
    choices: [always, on_create]
    default: on_create
  email:
    description: E-mail address.
    type: str
  default_project:
    description: Default project (name or id, looked up within I(domain)).
    type: str
  description:
    description: Description.
    type: str
  enabled:
    description: Whether the user is enabled (keystone's default on create is C(true)).
    type: bool
extends_documentation_fragment:
  - stackwright.cloud.openstack
  - stackwright.cloud.openstack.resource
"""

EXAMPLES = r"""
- name: Nova's service user
  stackwright.cloud.user:
    cloud: admin
    name: nova
    domain: Default
    password: "{{ nova_keystone_password }}"
    default_project: service
  no_log: true

- name: Rotate a password
  stackwright.cloud.user:
    cloud: admin
    name: nova
    domain: Default
    password: "{{ nova_keystone_password }}"
    update_password: always
  no_log: true
"""

RETURN = r"""
user:
  description: The user (C(null) when absent; never with a password); in check mode, the would-be user.
  type: dict
  returned: always
  sample: {"id": "1b2c...", "name": "nova", "domain_id": "default", "is_enabled": true}
"""

from ansible_collections.stackwright.cloud.plugins.module_utils.identity import UserModule


def main():
    UserModule()()


if __name__ == "__main__":
    main()
