"""Shared by every scenario's testinfra tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def name(host):
    """The inventory name of the host under test, without running anything through Ansible."""
    return host.backend.host
