"""Lookup plugin: paths of a lab's generated SSH files, for inventories that run as a lab."""

from __future__ import annotations

DOCUMENTATION = r"""
name: lab
author: stackwright developers
short_description: Paths of the SSH key and known_hosts that C(stackwright lab up) generated
description:
  - Returns, for the lab named by the host's C(stackwright_lab_name), the path of one of the files
    C(stackwright lab up) keeps on the deploy host.
options:
  _terms:
    description: Which file.
    required: true
    type: list
    elements: str
    choices: [private_key, public_key, known_hosts]
"""

EXAMPLES = r"""
- name: Show the key Ansible uses for the lab
  ansible.builtin.debug:
    msg: "{{ lookup('stackwright.cloud.lab', 'private_key') }}"
"""

RETURN = r"""
_raw:
  description: Absolute paths, one per term.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from stackwright import paths

FILES = {"private_key": "id_ed25519", "public_key": "id_ed25519.pub", "known_hosts": "known_hosts"}


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        lab = (variables or {}).get("stackwright_lab_name")
        if not lab:
            raise AnsibleLookupError("stackwright.cloud.lab needs stackwright_lab_name set for the host")
        lab = self._templar.template(lab) if self._templar else lab
        out = []
        for term in terms:
            if term not in FILES:
                raise AnsibleLookupError(f"unknown lab file '{term}'; choose from {', '.join(FILES)}")
            out.append(str(paths.lab_dir(lab) / FILES[term]))
        return out
