"""stackwright: deploy and operate OpenStack clouds with Ansible."""

__version__ = "0.1.0"
