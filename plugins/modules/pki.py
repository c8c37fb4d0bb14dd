"""Documentation for the pki action plugin (it runs on the controller only)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: pki
author: stackwright developers
short_description: The deployment CA and its server certificates
description:
  - Creates the deployment CA once (kept next to the inventory, key 0600) and issues a server
    certificate for every inventory host (its names and addresses) and one for the VIPs.
  - A certificate is issued again only when it is missing, signed by another CA, its names
    changed, or it expires within 30 days. The CA itself is never replaced.
options:
  dir:
    description: Where the CA and certificates live.
    type: path
    default: "<inventory_dir>/pki"
  domain:
    description: DNS domain for the fully qualified names in the certificates.
    type: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Issue the deployment's certificates
  stackwright.cloud.pki:
    domain: "{{ stackwright_domain }}"
  run_once: true
"""

RETURN = r"""
issued:
  description: Certificates (re)issued by this run, with the reason.
  type: dict
  returned: always
dir:
  description: The PKI directory.
  type: str
  returned: always
"""
