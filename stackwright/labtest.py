"""For tests that reach lab nodes as an operator would: SSH as root with the lab's key."""

from __future__ import annotations

from stackwright import paths


def ssh_args(lab: str) -> list[str]:
    """ssh options for lab LAB: its known_hosts, no prompts (the key is given separately)."""
    return ["-o", f"UserKnownHostsFile={paths.lab_dir(lab) / 'known_hosts'}", "-o", "BatchMode=yes"]


def key(lab: str) -> str:
    return str(paths.lab_dir(lab) / "id_ed25519")


def node(lab: str, address: str):
    """A testinfra host over plain SSH (multiplexed), not an Ansible run per check."""
    import testinfra  # noqa: PLC0415 - a test-only dependency, not needed by the CLI

    return testinfra.get_host(
        f"ssh://root@{address}", ssh_identity_file=key(lab), ssh_extra_args=" ".join(ssh_args(lab))
    )
