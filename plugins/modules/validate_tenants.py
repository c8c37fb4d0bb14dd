"""Documentation for the validate_tenants action plugin (it runs on the controller only)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: validate_tenants
author: stackwright developers
short_description: Validate a tenant description and plan the steps that converge it
description:
  - Runs stackwright's tenant model (stackwright/tenants.py) on a tenant description
    (docs/tenants.md), before any API call. It checks for unknown keys (suggesting the closest
    known one), required keys, types, duplicates within a scope, references between entries (a
    subnet's network, a router's interfaces, a server's image, flavor, networks, keypair and
    security groups, a volume's server...) and states (nothing present may refer to something
    absent).
  - Fails with one line per problem, each naming the path of the offending entry, such as
    C(projects[1].servers[0].networks[0]).
  - When the description is valid, returns the plan - the steps, grouped into phases of one
    module each - that roles/tenants runs. Secrets are not part of it.
  - Runs on the controller; contacts no cloud.
options:
  description:
    description:
      - The tenant description, a mapping of C(cloud), C(domains), C(roles), C(flavors), C(images),
        C(networks) and C(projects).
    type: raw
    required: true
  base_dir:
    description: Directory that relative paths (image files, public key files, templates) start from.
    type: path
  operator_user:
    description:
      - The account the modules authenticate as (the user of the clouds.yaml entry). It gets
        I(operator_role) on every project whose own resources are managed, to act inside it.
    type: str
    default: admin
  operator_user_domain:
    description: Domain of I(operator_user).
    type: str
    default: Default
  operator_role:
    description: Role of I(operator_user) on the projects it works in.
    type: str
    default: member
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Validate the tenant description
  stackwright.cloud.validate_tenants:
    description: "{{ lookup('ansible.builtin.file', 'tenants.yml') | from_yaml }}"
    base_dir: "{{ playbook_dir }}"
  register: plan
"""

RETURN = r"""
problems:
  description: One message per problem found; empty when the description is valid.
  type: list
  elements: str
  returned: always
cloud:
  description: The description's C(cloud) (a clouds.yaml entry), or null.
  type: str
  returned: success
phases:
  description:
    - The plan, in order; each phase is the steps of one module and state, in order.
    - Each step has C(module), C(state), C(key), C(label), C(path) (of its entry), C(params)
      (the module's parameters, C(auth) scoping project resources), C(needs) (keys of entries
      it refers to), C(project) (of a project-scoped step) and C(secret) (where a user's
      password is in the description, as [project index, user index]).
  type: list
  elements: dict
  returned: success
scoped_absent_projects:
  description: Keys of the projects whose resources are removed from inside them.
  type: list
  elements: str
  returned: success
"""
