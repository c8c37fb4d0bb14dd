"""One present/absent state machine for every resource module, and name -> id resolution.

A resource module declares a :class:`ResourceSpec` and subclasses :class:`ResourceModule`::

    class RoleModule(ResourceModule):
        argument_spec: ClassVar[dict] = dict(
            name=dict(type="str", required=True), domain=dict(type="str"), description=dict(type="str"))
        spec = ResourceSpec(
            service="identity", kind="role",
            attributes={"name": "name", "domain_id": "domain_id", "description": "description"},
            updatable=("description",), scope=("domain_id",))

        def desired(self):
            p = self.params
            return {"name": p["name"], "description": p["description"],
                    "domain_id": domain_id(self.conn, p["domain"])}

The state machine (:meth:`ResourceModule.ensure`) then does, for ``state=present``: find the
resource (by ``spec.key`` within ``spec.scope``); create it when missing; otherwise compare the
requested attributes (``None`` = don't care) with the current ones, update the differing
updatable ones, and fail naming any differing create-only one (or delete and recreate, when
:meth:`ResourceModule.recreate_allowed`). For ``state=absent``: delete it when found. Check mode
makes no call that changes anything; ``--diff`` gives ``before``/``after`` as dicts of the
module-visible attributes (``{}`` for a missing resource).

Module-visible attributes are the keys of ``spec.attributes`` (what ``desired()`` returns and
what the diff shows), each mapped to the SDK resource's attribute name. Every step is a method
a module may override (the hooks): ``desired``, ``find``, ``view``, ``changes``, ``to_sdk``,
``create``, ``update``, ``delete``, ``wait_for_create``, ``wait_for_delete``,
``recreate_allowed``, ``result``. docs/modules.md is the guide.

Several modules in one process: :func:`embed` makes an instance of a module class (a
:class:`ResourceModule` or any :class:`StackwrightModule`) that runs inside another module, with
given options (checked against its argument spec as ``AnsibleModule`` would) and the outer
module's connection, check mode and diff; its ``run()`` returns the result dict the module would
exit with. In check mode, a resource that would be created has no id: :class:`PendingId` stands
in for it, so that the modules of the resources under it (an endpoint of a new service) report
that they would be created too instead of failing on a name that resolves to nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import _list_no_log_values
from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    OPENSTACK_ARGS,
    StackwrightError,
    StackwrightModule,
    to_dict,
)

try:
    from openstack import exceptions as sdk_exceptions
except ImportError:  # pragma: no cover - reported by StackwrightModule
    sdk_exceptions = None

#: How a write-only attribute (a password) appears in a diff when it is sent.
HIDDEN = "(write-only, not shown)"


class NotFoundError(StackwrightError):
    """A name or id that resolves to nothing (:func:`find_one` with ``required``)."""


STATE_OPTION = {"type": "str", "choices": ["present", "absent"], "default": "present"}


@dataclass(frozen=True)
class ResourceSpec:
    """What a resource module manages (a declaration; behaviour is in :class:`ResourceModule`).

    service
        the proxy attribute of the connection: ``identity``, ``network``, ``compute``...
    kind
        the resource name in the proxy's methods: ``find_<kind>``, ``create_<kind>``,
        ``update_<kind>``, ``delete_<kind>`` (e.g. ``project``, ``network``, ``server``).
    attributes
        module-visible attribute -> SDK attribute (``{"enabled": "is_enabled"}``).
    updatable
        the module-visible attributes that can change in place; every other one is create-only.
    key
        the module-visible attribute holding the name (or id) to find the resource by; ``None``
        when :meth:`ResourceModule.find` is overridden.
    scope
        module-visible attributes passed as filters to ``find_<kind>`` where names are not
        unique (``domain_id``, ``project_id``); see :func:`find_one`.
    unordered
        list attributes compared as sets (``tags``).
    write_only
        attributes sent but never read back (``password``): not compared unless ``changes()``
        adds them, hidden in diffs, removed from results.
    recreate
        a differing create-only attribute makes the module delete and create the resource
        again instead of failing.
    result_key
        the result key holding the resource dict (default: ``kind``).
    """

    service: str
    kind: str
    attributes: Mapping[str, str]
    updatable: tuple[str, ...] = ()
    key: str | None = "name"
    scope: tuple[str, ...] = ()
    unordered: tuple[str, ...] = ()
    write_only: tuple[str, ...] = ()
    recreate: bool = False
    result_key: str | None = None

    def __post_init__(self) -> None:
        known = set(self.attributes)
        declared = {*self.updatable, *self.scope, *self.unordered, *self.write_only}
        if self.key:
            declared.add(self.key)
        unknown = declared - known
        if unknown:
            raise ValueError(f"ResourceSpec {self.kind}: not in attributes: {sorted(unknown)}")

    @property
    def create_only(self) -> tuple[str, ...]:
        return tuple(k for k in self.attributes if k not in self.updatable)


# --- pure helpers ---------------------------------------------------------------------------
def normalize(value: Any, unordered: bool = False) -> Any:
    """The value as compared: ``""`` is ``None``; an unordered list is sorted."""
    if value == "":
        return None
    if unordered and isinstance(value, (list, tuple, set)):
        try:
            return sorted(value)
        except TypeError:
            return sorted(value, key=repr)
    if isinstance(value, tuple):
        return list(value)
    return value


def differences(current: Mapping[str, Any], desired: Mapping[str, Any], keys, unordered=()) -> dict[str, Any]:
    """The desired values among ``keys`` that differ from the current ones; a desired ``None``
    means "don't care" and is never a difference."""
    return {
        k: desired[k]
        for k in keys
        if desired.get(k) is not None
        and normalize(desired[k], k in unordered) != normalize(current.get(k), k in unordered)
    }


def as_text(value: Any) -> str:
    """A metadata, property or extra spec value as nova and glance store it: a string, booleans in
    lower case."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def wanted_items(given: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The items asked for (a ``None`` value asks for the key to be removed): key -> text."""
    if given is None:
        return None
    return {k: as_text(v) for k, v in given.items() if v is not None}


def current_items(
    current: Mapping[str, Any] | None, given: Mapping[str, Any] | None
) -> dict[str, str] | None:
    """The current items among the keys given, as text (missing keys left out)."""
    if given is None:
        return None
    current = current or {}
    return {k: as_text(current[k]) for k in given if current.get(k) is not None}


def plural(kind: str) -> str:
    """The proxy's listing method of a kind: ``projects``, ``policies``, ``security_groups``."""
    return f"{kind[:-1]}ies" if kind.endswith("y") else f"{kind}s"


def _takes_filters(function: Any) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return True
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def match_one(resources: Iterable[Any], name_or_id: str, kind: str = "resource") -> Any:
    """The one resource whose id, or else name, is ``name_or_id``; SDK errors otherwise
    (``NotFoundException``, ``DuplicateResource``), as ``find_<kind>`` raises them."""
    resources = list(resources)
    by_id = [r for r in resources if r.id == name_or_id]
    found = by_id or [r for r in resources if getattr(r, "name", None) == name_or_id]
    if len(found) > 1:
        raise sdk_exceptions.DuplicateResource(f"More than one {kind} exists with the name '{name_or_id}'.")
    if not found:
        raise sdk_exceptions.NotFoundException(f"No {kind} found for {name_or_id}")
    return found[0]


def find_one(proxy: Any, kind: str, name_or_id: str, required: bool = False, **filters: Any) -> Any:
    """``proxy.find_<kind>(name_or_id, **filters)``, or ``None`` when nothing matches.

    Where ``find_<kind>`` takes no filters (``find_service``, ``find_server``...), the resources
    are listed with them (``proxy.<kind>s(**filters)``) and matched by id, then by name.
    Several matches (a name that is not unique within the filters) raise a
    :class:`StackwrightError` naming them; so does no match when ``required``.
    """
    where = "".join(f" {k}={v}" for k, v in filters.items() if v is not None)
    where = f" (with{where})" if where else ""
    finder = getattr(proxy, f"find_{kind}")
    try:
        if filters and not _takes_filters(finder):
            return match_one(getattr(proxy, plural(kind))(**filters), name_or_id, kind)
        return finder(name_or_id, ignore_missing=False, **filters)
    except sdk_exceptions.DuplicateResource:
        raise StackwrightError(
            f"several {kind}s match {name_or_id!r}{where}: give an id, or narrow the scope "
            "(domain, project...)"
        ) from None
    except sdk_exceptions.NotFoundException:
        found = _by_id(finder, name_or_id, filters) if filters and _takes_filters(finder) else None
        if found is None and required:
            raise NotFoundError(f"{kind} {name_or_id!r} not found{where}") from None
        return found


def _by_id(finder: Any, name_or_id: str, filters: Mapping[str, Any]) -> Any:
    """The resource whose id is ``name_or_id`` if it matches the filters, else None.

    openstacksdk's ``find_*`` sends the filters along with its lookup by id, and neutron then
    answers "not found" (``find_network(id, is_router_external=True)``): an id is looked up
    alone, then checked against the filters.
    """
    try:
        found = finder(name_or_id, ignore_missing=True)
    except sdk_exceptions.SDKException:
        return None
    if found is None or found.id != name_or_id:
        return None
    wanted = {key: value for key, value in filters.items() if value is not None}
    return found if all(getattr(found, key, value) == value for key, value in wanted.items()) else None


def resolve_id(conn: Any, service: str, kind: str, name_or_id: str | None, **filters: Any) -> str | None:
    """The id of the one ``kind`` named (or with id) ``name_or_id``; ``None`` for ``None``.

    Fails clearly when there is none (:class:`NotFoundError`) or several
    (:class:`StackwrightError`). A :class:`PendingId` is returned as is, without a lookup.
    """
    if name_or_id is None:
        return None
    if isinstance(name_or_id, PendingId):
        return name_or_id
    filters = {k: v for k, v in filters.items() if v is not None}
    return find_one(getattr(conn, service), kind, name_or_id, required=True, **filters).id


def domain_id(conn: Any, domain: str | None) -> str | None:
    """Id of the domain named (or with id) ``domain``."""
    return resolve_id(conn, "identity", "domain", domain)


def project_id(conn: Any, project: str | None, domain: str | None = None) -> str | None:
    """Id of the project ``project``, looked up within ``domain`` (a name or id) when given."""
    return resolve_id(conn, "identity", "project", project, domain_id=domain_id(conn, domain))


def user_id(conn: Any, user: str | None, domain: str | None = None) -> str | None:
    """Id of the user ``user``, looked up within ``domain`` when given."""
    return resolve_id(conn, "identity", "user", user, domain_id=domain_id(conn, domain))


def group_id(conn: Any, group: str | None, domain: str | None = None) -> str | None:
    """Id of the group ``group``, looked up within ``domain`` when given."""
    return resolve_id(conn, "identity", "group", group, domain_id=domain_id(conn, domain))


def role_id(conn: Any, role: str | None, domain: str | None = None) -> str | None:
    """Id of the role ``role``: a global role, or a domain-specific one with ``domain``."""
    return resolve_id(conn, "identity", "role", role, domain_id=domain_id(conn, domain))


def service_id(conn: Any, service: str | None, service_type: str | None = None) -> str | None:
    """Id of the catalog service named (or with id) ``service``, of ``service_type`` if given."""
    return resolve_id(conn, "identity", "service", service, type=service_type)


def network_id(conn: Any, network: str | None, project: str | None = None) -> str | None:
    """Id of the network ``network``, owned by ``project`` (an id) when given."""
    return resolve_id(conn, "network", "network", network, project_id=project)


def subnet_id(conn: Any, subnet: str | None, network: str | None = None) -> str | None:
    """Id of the subnet ``subnet``, on ``network`` (an id) when given."""
    return resolve_id(conn, "network", "subnet", subnet, network_id=network)


def security_group_id(conn: Any, group: str | None, project: str | None = None) -> str | None:
    """Id of the security group ``group``, owned by ``project`` (an id) when given."""
    return resolve_id(conn, "network", "security_group", group, project_id=project)


def router_id(conn: Any, router: str | None, project: str | None = None) -> str | None:
    """Id of the router ``router``, owned by ``project`` (an id) when given."""
    return resolve_id(conn, "network", "router", router, project_id=project)


def image_id(conn: Any, image: str | None) -> str | None:
    """Id of the image named (or with id) ``image``."""
    return resolve_id(conn, "image", "image", image)


def flavor_id(conn: Any, flavor: str | None) -> str | None:
    """Id of the flavor named (or with id) ``flavor``."""
    return resolve_id(conn, "compute", "flavor", flavor)


# --- modules inside a module -----------------------------------------------------------------
class PendingId(str):
    """The stand-in id of a resource that check mode would create (it has none yet).

    :func:`resolve_id` (so every resolver: ``service_id``, ``user_id``...) returns it as is, so
    a module given it as a reference goes on as though the resource existed with nothing under
    it: nothing is found there (an endpoint of a service that would be created would be
    created too; a role of a user that would be created would be granted). Only the id of a
    resource reported by a check-mode run as created (``"id": None``) should be one.
    """

    @classmethod
    def of(cls, kind: str, name: str) -> PendingId:
        """The stand-in for the ``kind`` named ``name``: ``(new user nova)``."""
        return cls(f"(new {kind} {name})")


class _EmbeddedAnsibleModule:
    """What a module run by :func:`embed` has as ``self.module``: its own validated options; the
    outer ``AnsibleModule``'s check mode, diff mode and warnings; a failure raises."""

    def __init__(self, outer: Any, params: dict[str, Any]):
        self._outer = outer
        self.params = params
        self.check_mode = outer.check_mode
        self._diff = getattr(outer, "_diff", False)
        self.no_log_values = outer.no_log_values

    def warn(self, msg: str) -> None:
        self._outer.warn(msg)

    def fail_json(self, msg: str, **_: Any) -> None:
        raise StackwrightError(msg)

    def exit_json(self, **_: Any) -> None:  # pragma: no cover - the outer module exits
        raise StackwrightError("a module run inside another one cannot exit")


def embed(module_class: type, outer: StackwrightModule, params: Mapping[str, Any]) -> Any:
    """An instance of ``module_class`` that runs inside the module ``outer``, in its process.

    ``params`` are ``module_class``'s own options (``state`` included), checked and completed
    (defaults, types, choices, ``required_if``, ``mutually_exclusive``... of its
    ``argument_spec`` and ``module_kwargs``) as ``AnsibleModule`` would; an option set to
    ``None`` counts as not given (as one left out of a task). The connection options are
    ``outer``'s. The instance shares ``outer``'s connection (no second authentication),
    check mode and diff mode; call its ``run()`` for the result dict the module would exit with
    (``changed``, its resource, ``diff`` under ``--diff``). Invalid options and failures raise
    :class:`StackwrightError` (SDK errors are raised as they are), for ``outer`` to report; the
    values of its ``no_log`` options are masked in ``outer``'s output::

        endpoint = embed(EndpointModule, self, {"service": "nova", "endpoint_interface":
                         "public", "url": url, "region": "RegionOne", "state": "present"})
        result = endpoint.run()
    """
    given = {k: outer.params[k] for k in OPENSTACK_ARGS if k in outer.params}
    given.update(params)
    given = {k: v for k, v in given.items() if v is not None}  # None: not given, as in a task
    validation = ArgumentSpecValidator(
        module_class.full_argument_spec(), **module_class.module_kwargs
    ).validate(given)
    if validation.error_messages:
        what = "; ".join(validation.error_messages)
        raise StackwrightError(f"{module_class.__name__}: {what}")
    own = validation.validated_parameters
    outer.module.no_log_values.update(_list_no_log_values(module_class.argument_spec, own))
    return module_class(module=_EmbeddedAnsibleModule(outer.module, own), conn=outer.conn)


# --- the state machine ------------------------------------------------------------------------
class ResourceModule(StackwrightModule):
    """A present/absent module for one kind of resource, declared by ``spec``.

    Adds the ``state`` option (present/absent) unless ``argument_spec`` has its own. ``run()``
    is ``self.ensure(self.desired(), self.params["state"])``; override the hooks below, not
    ``ensure``. The result holds ``changed``, the resource dict under ``spec.result_key`` (or
    ``spec.kind``; ``None`` when absent), and ``diff`` under ``--diff``.
    """

    spec: ClassVar[ResourceSpec]

    @classmethod
    def full_argument_spec(cls) -> dict[str, dict[str, Any]]:
        spec = super().full_argument_spec()
        spec.setdefault("state", dict(STATE_OPTION))
        return spec

    @property
    def proxy(self) -> Any:
        """The SDK proxy of ``spec.service`` (``self.conn.identity``...)."""
        return getattr(self.conn, self.spec.service)

    @property
    def absent(self) -> bool:
        """True for ``state=absent``: ``desired()`` then only needs ``spec.key`` and ``spec.scope``
        (skip resolving other references, which may be gone already)."""
        return self.params["state"] == "absent"

    def run(self) -> dict[str, Any]:
        """``ensure(desired(), state)``; with ``state=absent``, a name in ``desired()`` that
        resolves to nothing (a missing domain...) means there is nothing to delete."""
        state = self.params["state"]
        try:
            desired = self.desired()
        except NotFoundError:
            if state != "absent":
                raise
            return self._outcome(False, None, {}, {})
        return self.ensure(desired, state)

    # --- hooks ------------------------------------------------------------------------------
    def desired(self) -> dict[str, Any]:
        """The requested module-visible attributes (``None``: don't care). Default: the
        module options of the same names. Override to resolve names into ids."""
        return {k: self.params.get(k) for k in self.spec.attributes}

    def find(self, desired: Mapping[str, Any]) -> Any:
        """The existing resource or ``None``. Default: ``find_<kind>`` by ``spec.key`` with the
        ``spec.scope`` filters; several matches fail."""
        spec = self.spec
        if not spec.key:
            raise NotImplementedError(f"{type(self).__name__}: set spec.key or override find()")
        filters = {spec.attributes[k]: desired[k] for k in spec.scope if desired.get(k) is not None}
        return find_one(self.proxy, spec.kind, desired[spec.key], **filters)

    def view(self, resource: Any) -> dict[str, Any]:
        """The module-visible attributes of an existing resource (compared and diffed)."""
        return {
            k: getattr(resource, sdk, None)
            for k, sdk in self.spec.attributes.items()
            if k not in self.spec.write_only
        }

    def changes(self, resource: Any, current: Mapping[str, Any], desired: Mapping[str, Any]) -> dict:
        """Module-visible attribute -> new value, for every requested value that differs
        (create-only ones included: ``ensure`` refuses those). Write-only attributes are left
        out; add them here to send them on update (declare them updatable)."""
        spec = self.spec
        keys = [k for k in spec.attributes if k not in spec.write_only]
        if spec.key and desired.get(spec.key) == getattr(resource, "id", None):
            keys.remove(spec.key)  # found by id: the key holds an id, not a name to compare
        return differences(current, desired, keys, spec.unordered)

    def to_sdk(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Module-visible values -> SDK attributes, for create and update (the pre-create
        transformation: override to add or reshape attributes)."""
        return {self.spec.attributes[k]: v for k, v in values.items()}

    def create(self, attrs: dict[str, Any]) -> Any:
        """Create the resource from SDK attributes. Default: ``create_<kind>(**attrs)``."""
        return getattr(self.proxy, f"create_{self.spec.kind}")(**attrs)

    def update(self, resource: Any, attrs: dict[str, Any]) -> Any:
        """Change SDK attributes in place. Default: ``update_<kind>(resource, **attrs)``.
        Override for attributes that have their own API (tags, sub-resources)."""
        return getattr(self.proxy, f"update_{self.spec.kind}")(resource, **attrs)

    def delete(self, resource: Any) -> None:
        """Delete the resource. Default: ``delete_<kind>(resource, ignore_missing=True)``."""
        getattr(self.proxy, f"delete_{self.spec.kind}")(resource, ignore_missing=True)

    def wait_for_create(self, resource: Any) -> Any:
        """Called after create when ``wait`` is true; return the ready resource (e.g.
        ``self.proxy.wait_for_status(resource, "ACTIVE", failures=["ERROR"], wait=self.timeout)``).
        Default: the resource as is."""
        return resource

    def wait_for_delete(self, resource: Any) -> None:
        """Called after delete when ``wait`` is true (e.g. ``self.proxy.wait_for_delete(resource,
        wait=self.timeout)``). Default: nothing."""

    def recreate_allowed(self) -> bool:
        """Whether a differing create-only attribute means delete and create again (default:
        ``spec.recreate``); otherwise the module fails naming the attributes."""
        return self.spec.recreate

    def result(self, resource: Any) -> dict[str, Any] | None:
        """The resource as returned to the playbook (write-only attributes removed)."""
        data = to_dict(resource)
        if data is not None:
            for k in self.spec.write_only:
                data.pop(self.spec.attributes[k], None)
        return data

    # --- the machine ---------------------------------------------------------------------------
    def label(self, desired: Mapping[str, Any]) -> str:
        key = self.spec.key
        return f"{self.spec.kind} {desired.get(key)!r}" if key else self.spec.kind

    def _shown(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return {
            k: (HIDDEN if k in self.spec.write_only else v)
            for k, v in values.items()
            if k in self.spec.attributes and v is not None
        }

    def _simulated(self, desired: Mapping[str, Any]) -> dict[str, Any]:
        values = {k: v for k, v in desired.items() if v is not None and k not in self.spec.write_only}
        return {"id": None, **self.to_sdk(values)}

    def _outcome(self, changed: bool, resource: Any, before: dict, after: dict, simulated=None) -> dict:
        out: dict[str, Any] = {
            "changed": changed,
            self.spec.result_key or self.spec.kind: (
                simulated if simulated is not None else self.result(resource)
            ),
        }
        if self.diff:
            out["diff"] = {"before": before, "after": after}
        return out

    def _create(self, desired: Mapping[str, Any]) -> Any:
        resource = self.create(self.to_sdk({k: v for k, v in desired.items() if v is not None}))
        return self.wait_for_create(resource) if self.wait else resource

    def _delete(self, resource: Any) -> None:
        self.delete(resource)
        if self.wait:
            self.wait_for_delete(resource)

    def ensure(self, desired: Mapping[str, Any], state: str = "present") -> dict[str, Any]:
        """Bring the resource to ``state`` with the ``desired`` attributes; the result dict."""
        resource = self.find(desired)
        if state == "absent":
            return self._ensure_absent(resource)
        if resource is None:
            return self._ensure_created(desired, before={})
        return self._ensure_updated(resource, desired)

    def _ensure_absent(self, resource: Any) -> dict[str, Any]:
        if resource is None:
            return self._outcome(False, None, {}, {})
        before = self._shown(self.view(resource))
        if not self.check_mode:
            self._delete(resource)
        return self._outcome(True, None, before, {})

    def _ensure_created(self, desired: Mapping[str, Any], before: dict, old: Any = None) -> dict[str, Any]:
        """Create the resource (after deleting ``old``, when recreating it)."""
        after = self._shown(desired)
        if self.check_mode:
            return self._outcome(True, None, before, after, simulated=self._simulated(desired))
        if old is not None:
            self._delete(old)
        return self._outcome(True, self._create(desired), before, after)

    def _ensure_updated(self, resource: Any, desired: Mapping[str, Any]) -> dict[str, Any]:
        current = self.view(resource)
        changes = self.changes(resource, current, desired)
        before = self._shown(current)
        refused = [k for k in changes if k not in self.spec.updatable]
        if refused:
            if not self.recreate_allowed():
                what = ", ".join(f"{k} ({current.get(k)!r} -> {changes[k]!r})" for k in refused)
                raise StackwrightError(
                    f"{self.label(desired)} exists and cannot be changed in place: {what}. "
                    f"Create-only attributes of a {self.spec.kind}: "
                    f"{', '.join(self.spec.create_only)}; delete it first to change them."
                )
            return self._ensure_created(desired, before, old=resource)
        after = self._shown({**current, **changes})
        simulated = None
        if changes and self.check_mode:
            visible = {k: v for k, v in changes.items() if k not in self.spec.write_only}
            simulated = {**(self.result(resource) or {}), **self.to_sdk(visible)}
        elif changes:
            resource = self.update(resource, self.to_sdk(changes))
        return self._outcome(bool(changes), resource, before, after, simulated=simulated)
