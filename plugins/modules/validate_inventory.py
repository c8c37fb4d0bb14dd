"""Documentation for the validate_inventory action plugin (it runs on the controller only)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: validate_inventory
author: stackwright developers
short_description: Check the inventory's cross-host rules before anything changes
description:
  - Runs stackwright's inventory validator on the play's hosts and variables. It checks for known
    groups, a management address on every host, well-formed CIDRs and addresses, addresses inside
    their networks, no duplicate addresses, and VIPs inside their network and clear of every host.
  - Fails with one line per problem, naming the host, the variable and the fix.
  - Runs on the controller; contacts no host.
options: {}
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Validate the inventory
  stackwright.cloud.validate_inventory:
  run_once: true
"""

RETURN = r"""
problems:
  description: One message per problem found; empty when the inventory is valid.
  type: list
  elements: str
  returned: always
"""
