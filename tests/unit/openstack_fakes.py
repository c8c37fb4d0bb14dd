"""In-memory stand-ins for an openstacksdk connection, and a runner for our OpenStack modules.

The fakes hold real SDK resource objects (``openstack.identity.v3.project.Project``...) so that
``to_dict``, attribute names and ``is_enabled`` behave as in the SDK; only the HTTP is faked.
"""

from __future__ import annotations

import inspect
import itertools
import json
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args
from openstack import exceptions

MUTATING = ("create", "update", "delete", "assign", "unassign", "revert", "put")


def check_signature(real: type | None, name: str, args: tuple, kwargs: dict) -> None:
    """Fail unless the real SDK proxy class has the method ``name`` and accepts these arguments:
    the modules must call only what openstacksdk really offers."""
    if real is None:
        return
    method = getattr(real, name, None)
    assert method is not None, f"{real.__module__}.{real.__name__} has no method {name}"
    try:
        inspect.signature(method).bind(None, *args, **kwargs)
    except TypeError as exc:
        raise AssertionError(
            f"{real.__name__}.{name}{inspect.signature(method)} rejects {args} {kwargs}"
        ) from exc


class FakeProxy:
    """``find_<kind>``, ``create_<kind>``, ``update_<kind>``, ``delete_<kind>`` and the plural
    listing for each kind given (kind -> SDK resource class). Every call is recorded in
    ``calls`` as (method name, args, kwargs) and, given the ``real`` proxy class, checked against
    the real method's signature."""

    _ids = itertools.count(1)

    def __init__(
        self, kinds: dict[str, type], plurals: dict[str, str] | None = None, real: type | None = None
    ):
        self.real = real
        self.classes = kinds
        self.plurals = {f"{kind}s": kind for kind in kinds} | (plurals or {})
        self.store: dict[str, dict[str, Any]] = {kind: {} for kind in kinds}
        self.calls: list[tuple[str, tuple, dict]] = []

    # --- test helpers ---------------------------------------------------------------------
    def add(self, kind: str, **attrs: Any) -> Any:
        """Put a resource in the store (an id is made up unless given)."""
        attrs.setdefault("id", f"{kind}-{next(self._ids)}")
        resource = self.classes[kind].existing(**attrs)
        self.store[kind][resource.id] = resource
        return resource

    def mutations(self) -> list[str]:
        return [name for name, _, _ in self.calls if name.startswith(MUTATING)]

    # --- the proxy API --------------------------------------------------------------------
    def __getattr__(self, name: str):
        if name in self.plurals:
            kind = self.plurals[name]
            return self._recorded(name, lambda **query: self._list(kind, **query))
        verb, _, kind = name.partition("_")
        if kind not in self.classes or verb not in ("find", "create", "update", "delete", "get"):
            raise AttributeError(name)
        return self._recorded(name, lambda *a, **kw: getattr(self, f"_{verb}")(kind, *a, **kw))

    def _recorded(self, name, function):
        def call(*args, **kwargs):
            check_signature(self.real, name, args, kwargs)
            self.calls.append((name, args, kwargs))
            return function(*args, **kwargs)

        if self.real is not None and hasattr(self.real, name):  # look like the real method
            method = getattr(self.real, name)
            real = inspect.signature(method)
            call.__signature__ = real.replace(parameters=list(real.parameters.values())[1:])
            call.__annotations__, call.__wrapped__ = method.__annotations__, method
        return call

    @staticmethod
    def _matches(resource, query):
        return all(getattr(resource, key, None) == value for key, value in query.items())

    def _list(self, kind, **query):
        return [r for r in self.store[kind].values() if self._matches(r, query)]

    def _get(self, kind, name_or_id):
        resource = self.store[kind].get(getattr(name_or_id, "id", name_or_id))
        if resource is None:
            raise exceptions.NotFoundException(f"No {kind} with id {name_or_id}")
        return resource

    def _find(self, kind, name_or_id, ignore_missing=True, **query):
        if name_or_id in self.store[kind]:
            return self.store[kind][name_or_id]
        found = [r for r in self._list(kind, **query) if r.name == name_or_id]
        if len(found) > 1:
            raise exceptions.DuplicateResource(f"More than one {kind} exists with the name '{name_or_id}'.")
        if found:
            return found[0]
        if ignore_missing:
            return None
        raise exceptions.NotFoundException(f"No {kind} found for {name_or_id}")

    def _create(self, kind, **attrs):
        return self.add(kind, **attrs)

    def _update(self, kind, resource, **attrs):
        current = self._get(kind, resource)
        updated = self.classes[kind].existing(**{**current.to_dict(computed=False), **attrs})
        self.store[kind][updated.id] = updated
        return updated

    def _delete(self, kind, resource, ignore_missing=True):
        rid = getattr(resource, "id", resource)
        if rid not in self.store[kind] and not ignore_missing:
            raise exceptions.NotFoundException(f"No {kind} with id {rid}")
        self.store[kind].pop(rid, None)


class FakeConnection:
    """A connection whose proxies are given as keyword arguments."""

    def __init__(
        self, current_user_id: str = "me", services=("compute", "network", "block-storage"), **proxies
    ):
        self.current_user_id = current_user_id
        self.services = set(services)
        for name, proxy in proxies.items():
            setattr(self, name, proxy)

    def has_service(self, service_type):
        return service_type in self.services


def run_module(
    capsys, module_class, args: dict, conn: Any, *, check: bool = False, diff: bool = False
) -> dict:
    """Run a module class as Ansible would (arguments parsed by AnsibleModule, result printed as
    JSON, SystemExit), with ``conn`` as its connection; the result dict (``failed`` on failure)."""
    args = {**args, "_ansible_check_mode": check, "_ansible_diff": diff}
    with patch_module_args(args), pytest.raises(SystemExit):
        module_class(conn=conn)()
    return json.loads(capsys.readouterr().out)
