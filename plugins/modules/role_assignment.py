#!/usr/bin/python
"""Module: a role assignment in keystone."""

from __future__ import annotations

DOCUMENTATION = r"""
module: role_assignment
author: stackwright developers
short_description: A role of a user or group on a project, a domain or the system
description:
  - Grants (or revokes) a keystone role to a user or a group, on a project, a domain or the
    whole system, checking the exact assignment first, so that a second run changes nothing.
options:
  role:
    description: The role (name or id).
    type: str
    required: true
  user:
    description: The user (name or id) who gets the role; exclusive with I(group).
    type: str
  group:
    description: The group (name or id) that gets the role; exclusive with I(user).
    type: str
  project:
    description: The project (name or id) the role applies to; exclusive with I(domain) and I(system).
    type: str
  domain:
    description: The domain (name or id) the role applies to; exclusive with I(project) and I(system).
    type: str
  system:
    description: The system scope the role applies to (C(all)); exclusive with I(project) and I(domain).
    type: str
    choices: [all]
  user_domain:
    description: Domain (name or id) to look I(user) up in, where user names are not unique.
    type: str
  group_domain:
    description: Domain (name or id) to look I(group) up in.
    type: str
  project_domain:
    description: Domain (name or id) to look I(project) up in.
    type: str
  inherited:
    description:
      - An inherited assignment (OS-INHERIT) applies to the projects below the project or domain,
        not to the project or domain itself. Not for I(system).
    type: bool
    default: false
  state:
    description: C(present) grants the role, C(absent) revokes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - stackwright.cloud.openstack
attributes:
  check_mode:
    description: Reports whether the assignment would be granted or revoked, without doing it.
    support: full
  diff_mode:
    description: Returns the assignment before and after (an empty dict for none).
    support: full
"""

EXAMPLES = r"""
- name: Service users are admins of the service project
  stackwright.cloud.role_assignment:
    cloud: admin
    role: admin
    user: "{{ item }}"
    user_domain: Default
    project: service
    project_domain: Default
  loop: [nova, neutron, glance, cinder]

- name: Cloud operators administer the whole system
  stackwright.cloud.role_assignment:
    cloud: admin
    role: admin
    group: operators
    system: all
"""

RETURN = r"""
assignment:
  description:
    - The assignment, with ids, whether it was granted, revoked or already in the state asked.
    - C(null) with I(state=absent) when the role, user, group or project does not exist.
  type: dict
  returned: always
  sample: {"role_id": "47ab...", "user_id": "1b2c...", "project_id": "8a3c...", "inherited": false}
"""

from ansible_collections.stackwright.cloud.plugins.module_utils.identity import RoleAssignmentModule


def main():
    RoleAssignmentModule()()


if __name__ == "__main__":
    main()
