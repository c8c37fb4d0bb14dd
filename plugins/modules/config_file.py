"""Documentation for the config_file action plugin (it wraps ansible.builtin.copy)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: config_file
author: stackwright developers
short_description: Write a config file that holds secrets, with a masked diff
description:
  - Writes O(content) to O(dest) like M(ansible.builtin.copy), with its check mode.
  - In a check-mode or C(--diff) run, the diff shows the changed lines with every deployment
    secret masked (the values of the secrets file, the values of options named like secrets,
    the passwords of URLs), so the task needs no C(no_log) and a dry run can show what a hand
    edit changed. The result never carries the content.
options:
  content:
    description: The file's content.
    type: str
    required: true
  dest:
    description: The file to write.
    type: path
    required: true
  owner:
    description: Owner of the file.
    type: str
  group:
    description: Group of the file.
    type: str
  mode:
    description: Mode of the file.
    type: raw
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Write nova.conf
  stackwright.cloud.config_file:
    content: "{{ lookup('ansible.builtin.template', 'nova.conf.j2') }}"
    dest: /etc/nova/nova.conf
    owner: root
    group: nova
    mode: "0640"
"""

RETURN = r"""
dest:
  description: The file written.
  type: str
  returned: always
"""
