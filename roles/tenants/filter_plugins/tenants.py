"""Filters of roles/tenants: check mode's bookkeeping, from stackwright.tenants (unit-tested)."""

from __future__ import annotations

from stackwright import tenants


def tenants_deferred(steps, pending):
    """Steps that need what this check run creates first: reported, not sent to a module."""
    return tenants.deferred(steps, pending)


def tenants_ready(steps, pending, gone=()):
    """Steps sent to their module."""
    return tenants.ready(steps, pending, gone)


def tenants_pending(known, results=(), deferred=()):
    """What a check run has found it would create so far (step keys)."""
    return tenants.pending(known, results, deferred)


def tenants_gone(wanted, projects, domains):
    """Of the project keys wanted, those that do not exist (from identity_info lists)."""
    return tenants.gone(wanted, projects, domains)


class FilterModule:
    def filters(self):
        return {
            "tenants_deferred": tenants_deferred,
            "tenants_ready": tenants_ready,
            "tenants_pending": tenants_pending,
            "tenants_gone": tenants_gone,
        }
