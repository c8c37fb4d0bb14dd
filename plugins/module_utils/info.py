"""What the ``*_info`` modules share.

A module declares its listings (resource option -> proxy, listing method, getter by id); this
class lists one of them with the user's filters checked first (openstacksdk drops a query
parameter it does not know and lists everything, which a playbook would take for an answer),
and selects by name or id.
"""

from __future__ import annotations

import difflib
import inspect
import string
import typing
from collections.abc import Iterable
from typing import Any, ClassVar, NamedTuple

from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    StackwrightError,
    StackwrightModule,
    sdk_exceptions,
    to_dict,
)


class Listing(NamedTuple):
    proxy: str  # the connection's service proxy: identity, compute, network...
    method: str  # the proxy's listing method
    getter: str | None = None  # fetches one by id when a name matched nothing listed
    name_filter: bool = False  # the API filters by exact name itself (saves listing everything)
    defaults: dict[str, Any] = {}  # noqa: RUF012 - a NamedTuple default, never mutated


def listed_type(method: Any) -> type | None:
    """The SDK resource class a proxy listing yields, from its ``Generator[...]`` annotation."""
    try:
        hint = typing.get_type_hints(method).get("return")
    except Exception:  # an unresolvable annotation only skips the check
        return None
    args = typing.get_args(hint)
    return args[0] if args and isinstance(args[0], type) else None


def accepted_filters(method: Any) -> set[str] | None:
    """Every filter a proxy listing honours, or ``None`` when it cannot tell.

    The resource's query parameters (client and server names), its body attributes (the SDK
    filters those on the client side), the fields of its URL and the method's own keywords.
    """
    resource_type = listed_type(method)
    mapping = getattr(getattr(resource_type, "_query_mapping", None), "_mapping", None)
    if mapping is None:
        return None
    accepted = set(mapping)
    accepted.update(
        value.get("name", key) if isinstance(value, dict) else value for key, value in mapping.items()
    )
    accepted.update(
        name
        for name in dir(resource_type)
        if type(inspect.getattr_static(resource_type, name, None)).__name__ == "Body"
    )
    base_path = getattr(resource_type, "base_path", "") or ""
    accepted.update(field for _, field, _, _ in string.Formatter().parse(base_path) if field)
    accepted.update(
        name
        for name, parameter in inspect.signature(method).parameters.items()
        if parameter.kind in (parameter.KEYWORD_ONLY, parameter.POSITIONAL_OR_KEYWORD) and name != "self"
    )
    return accepted


def check_filters(kind: str, method: Any, filters: Iterable[str]) -> None:
    """Refuse a filter the listing would ignore, naming the closest accepted ones."""
    accepted = accepted_filters(method)
    unknown = sorted(set(filters) - accepted) if accepted is not None else []
    if not unknown:
        return
    hints = []
    for key in unknown:
        close = difflib.get_close_matches(key, accepted, n=3)
        hints.append(f"{key} (did you mean {' or '.join(close)}?)" if close else key)
    raise StackwrightError(
        f"unknown filter for {kind}: {', '.join(hints)}; accepted: {', '.join(sorted(accepted))}"
    )


def select(items: Iterable[Any], name: str | None) -> list[Any]:
    """The items whose id or name is ``name`` (all of them without a name)."""
    return [i for i in items if name is None or name in (getattr(i, "id", None), getattr(i, "name", None))]


class InfoModule(StackwrightModule):
    """Lists ``LISTINGS[kind]``: with several listings, the ``resource`` option picks one."""

    LISTINGS: ClassVar[dict[str, Listing]] = {}
    argument_spec: ClassVar[dict] = dict(
        name=dict(type="str"),
        filters=dict(type="dict", default={}),
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if len(cls.LISTINGS) > 1 and "resource" not in cls.argument_spec:
            cls.argument_spec = {
                **cls.argument_spec,
                "resource": {"type": "str", "required": True, "choices": list(cls.LISTINGS)},
            }

    def listed(self, kind: str, name: str | None = None, **extra: Any) -> list[Any]:
        """The resources of ``kind`` that match the filters (and ``name``: an id or a name)."""
        listing = self.LISTINGS[kind]
        proxy = getattr(self.conn, listing.proxy)
        method = getattr(proxy, listing.method)
        user_filters = self.params["filters"]
        check_filters(kind, method, user_filters)
        query = {**listing.defaults, **user_filters, **extra}
        if name is not None and listing.name_filter:
            query.setdefault("name", name)
        items = select(method(**query), name)
        if name is not None and not items and listing.getter and not user_filters:
            try:  # a name that is an id the name filter could not find
                items = [getattr(proxy, listing.getter)(name)]
            except (sdk_exceptions.NotFoundException, sdk_exceptions.BadRequestException):
                items = []
        return items

    def run(self) -> dict[str, Any]:
        kind = self.params.get("resource") or next(iter(self.LISTINGS))
        return {"changed": False, "items": [to_dict(i) for i in self.listed(kind, self.params["name"])]}
