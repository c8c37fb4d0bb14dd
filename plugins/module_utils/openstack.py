"""The base of every stackwright module that talks to an OpenStack cloud through openstacksdk.

A module is a subclass of :class:`StackwrightModule` that declares ``argument_spec`` (its own
options; the connection options of :data:`OPENSTACK_ARGS` are added) and ``module_kwargs``
(``mutually_exclusive``, ``required_if``, ... for ``AnsibleModule``), and implements ``run()``,
which returns the result dict (``changed`` and the rest)::

    class FlavorInfo(StackwrightModule):
        argument_spec = {"name": {"type": "str", "required": True}}

        def run(self):
            flavor = self.conn.compute.find_flavor(self.params["name"], ignore_missing=False)
            return {"changed": False, "flavor": to_dict(flavor)}

    def main():
        FlavorInfo()()

The base builds the ``AnsibleModule`` (check mode always supported), connects, calls ``run()``
and turns every openstacksdk/keystoneauth error, and every :class:`StackwrightError` raised by
the module or by ``module_utils.resource``, into ``fail_json`` with a readable message. Resource
modules (present/absent) should subclass ``module_utils.resource.ResourceModule`` instead.
"""

from __future__ import annotations

import traceback
from importlib import metadata
from typing import Any, ClassVar

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import openstack
    from keystoneauth1 import exceptions as ksa_exceptions
    from openstack import exceptions as sdk_exceptions

    SDK_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - depends on the host running the module
    openstack = sdk_exceptions = ksa_exceptions = None
    SDK_IMPORT_ERROR = traceback.format_exc()

#: The connection options every module takes (documented by the doc fragment
#: ``stackwright.cloud.openstack``).
OPENSTACK_ARGS: dict[str, dict[str, Any]] = {
    "cloud": {"type": "str"},
    "auth": {"type": "dict", "no_log": True},
    "auth_type": {"type": "str"},
    "region_name": {"type": "str"},
    "interface": {"type": "str", "choices": ["public", "internal", "admin"], "default": "public"},
    "ca_cert": {"type": "path", "aliases": ["cacert"]},
    "validate_certs": {"type": "bool", "aliases": ["verify"]},
    "wait": {"type": "bool", "default": True},
    "timeout": {"type": "int", "default": 180},
    "api_timeout": {"type": "int"},
}

#: Keys of an ``auth`` dict whose values are not secret. ``auth`` is no_log as a whole (Ansible
#: then masks each of its values everywhere in the output, so an endpoint URL equal to auth_url
#: or a project called like the admin user would print as ********); the values of these keys are
#: unmasked again after argument parsing. Any other key (password, token, secrets) stays masked.
PUBLIC_AUTH_KEYS = frozenset(
    {
        "auth_url",
        "username",
        "user_id",
        "user_domain_name",
        "user_domain_id",
        "project_name",
        "project_id",
        "project_domain_name",
        "project_domain_id",
        "domain_name",
        "domain_id",
        "default_domain_name",
        "default_domain_id",
        "system_scope",
        "application_credential_id",
        "application_credential_name",
        "trust_id",
    }
)

_CONNECT_KEYS = {
    "auth_type": "auth_type",
    "region_name": "region_name",
    "interface": "interface",
    "ca_cert": "cacert",
    "validate_certs": "verify",
    "api_timeout": "api_timeout",
}


class StackwrightError(Exception):
    """A failure to report as is through ``fail_json`` (no traceback): bad input, a name that
    resolves to nothing or to several resources, a change that cannot be made in place."""


def to_dict(resource: Any) -> dict[str, Any] | None:
    """A plain dict of an openstacksdk resource (or a dict), for module results.

    Computed attributes (``location``) and ``links`` are left out; a list of resources gives a
    list of dicts; ``None`` stays ``None``.
    """
    if resource is None:
        return None
    if isinstance(resource, list):
        return [to_dict(item) for item in resource]  # type: ignore[return-value]
    # An SDK resource is also a dict (of what the server sent): ask it for its attributes.
    data = resource.to_dict(computed=False) if hasattr(resource, "to_dict") else dict(resource)
    for key in ("location", "links"):
        data.pop(key, None)
    return data


def describe_error(exc: BaseException) -> tuple[str, dict[str, Any]]:
    """A one-line message and extra result keys (status_code, request_id) for an SDK error.

    The message names the HTTP method and URL, the status, the request id and what the server
    said; it never holds the auth dict (keystoneauth and the SDK do not put it in errors).
    """
    extra: dict[str, Any] = {}
    if openstack is not None and isinstance(exc, sdk_exceptions.HttpException):
        status = exc.status_code
        extra = {"status_code": status, "request_id": exc.request_id}
        server_says = exc.details or exc.message
        where = f"{exc.method} {exc.url}: " if exc.url else ""
        rid = f" (request {exc.request_id})" if exc.request_id else ""
        return f"{where}HTTP {status}{rid}: {server_says}", extra
    if openstack is not None and isinstance(exc, ksa_exceptions.HttpError):
        extra = {"status_code": exc.http_status, "request_id": exc.request_id}
        where = f"{exc.method} {exc.url}: " if exc.url else ""
        rid = f" (request {exc.request_id})" if exc.request_id else ""
        server_says = f"{exc.message}: {exc.details}" if exc.details else exc.message
        return f"{where}HTTP {exc.http_status}{rid}: {server_says}", extra
    name = type(exc).__name__
    text = getattr(exc, "message", None) or str(exc) or name
    return f"{name}: {text}", extra


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts)


class StackwrightModule:
    """Base class of the modules: connection options, connection, errors, results.

    Class attributes a subclass sets:

    ``argument_spec``
        the module's own options (dict as for ``AnsibleModule``).
    ``module_kwargs``
        extra ``AnsibleModule`` arguments: ``mutually_exclusive``, ``required_if``,
        ``required_one_of``, ``required_together``...
    ``min_sdk_version``
        the oldest openstacksdk the module works with (``"4.0"``), or ``None``.

    Available in ``run()``: ``self.params``, ``self.conn`` (an ``openstack.connection.
    Connection``), ``self.module`` (the ``AnsibleModule``), ``self.check_mode``, ``self.diff``
    (True under ``--diff``), ``self.wait`` and ``self.timeout``.

    ``StackwrightModule(module=..., conn=...)`` injects a ready ``AnsibleModule`` and/or
    connection (tests); calling the instance runs the module and exits.
    """

    argument_spec: ClassVar[dict[str, dict[str, Any]]] = {}
    module_kwargs: ClassVar[dict[str, Any]] = {}
    min_sdk_version: ClassVar[str | None] = None

    def __init__(self, module: AnsibleModule | None = None, conn: Any = None):
        self.module = module
        self.conn = conn

    # --- what a subclass implements -------------------------------------------------------
    def run(self) -> dict[str, Any] | None:
        """Do the work; return the result dict (``changed`` defaults to False)."""
        raise NotImplementedError

    # --- helpers for run() ----------------------------------------------------------------
    @property
    def params(self) -> dict[str, Any]:
        return self.module.params

    @property
    def check_mode(self) -> bool:
        return bool(self.module.check_mode)

    @property
    def diff(self) -> bool:
        return bool(getattr(self.module, "_diff", False))

    @property
    def wait(self) -> bool:
        return bool(self.params.get("wait", True))

    @property
    def timeout(self) -> int:
        return int(self.params.get("timeout") or 180)

    def exit_json(self, changed: bool = False, **result: Any) -> None:
        """Exit now with ``changed`` and the given result keys."""
        self.module.exit_json(changed=changed, **result)

    def fail_json(self, msg: str, **result: Any) -> None:
        """Fail now with ``msg``."""
        self.module.fail_json(msg=msg, **result)

    def warn(self, msg: str) -> None:
        self.module.warn(msg)

    # --- machinery --------------------------------------------------------------------------
    @classmethod
    def full_argument_spec(cls) -> dict[str, dict[str, Any]]:
        """The connection options plus the module's own (which may not reuse their names)."""
        clash = set(OPENSTACK_ARGS) & set(cls.argument_spec)
        if clash:
            raise ValueError(f"{cls.__name__}: options {sorted(clash)} are connection options")
        spec = {key: dict(value) for key, value in OPENSTACK_ARGS.items()}
        spec.update(cls.argument_spec)
        return spec

    def connect(self) -> Any:
        """An ``openstack.connection.Connection`` from the connection options.

        ``cloud`` names a clouds.yaml entry (``auth`` and the other options then override its
        values); ``auth`` alone is a complete, explicit configuration (clouds.yaml and OS_*
        variables are then ignored); with neither, OS_CLOUD or the OS_* variables are used.
        """
        p = self.params
        kwargs: dict[str, Any] = {"app_name": "stackwright"}
        for option, key in _CONNECT_KEYS.items():
            if p.get(option) is not None:
                kwargs[key] = p[option]
        if p.get("auth"):
            kwargs["auth"] = p["auth"]
            if not p.get("cloud"):
                kwargs.update(load_yaml_config=False, load_envvars=False)
        return openstack.connect(cloud=p.get("cloud"), **kwargs)

    def _unmask_public_auth(self) -> None:
        auth = self.params.get("auth") or {}
        public = {str(v) for k, v in auth.items() if k in PUBLIC_AUTH_KEYS and isinstance(v, str)}
        secret = {str(v) for k, v in auth.items() if k not in PUBLIC_AUTH_KEYS}
        for name, option in self.full_argument_spec().items():
            if option.get("no_log") and name != "auth" and isinstance(self.params.get(name), str):
                secret.add(self.params[name])
        self.module.no_log_values.difference_update(public - secret)

    def _check_sdk(self) -> None:
        if SDK_IMPORT_ERROR is not None:
            self.module.fail_json(msg=missing_required_lib("openstacksdk"), exception=SDK_IMPORT_ERROR)
        if not self.min_sdk_version:
            return
        found = metadata.version("openstacksdk")
        if _version_tuple(found) < _version_tuple(self.min_sdk_version):
            self.module.fail_json(
                msg=f"this module needs openstacksdk >= {self.min_sdk_version}, found {found}"
            )

    def __call__(self) -> None:
        """Build the AnsibleModule, connect, run, and exit with the result (or the failure)."""
        if self.module is None:
            self.module = AnsibleModule(
                argument_spec=self.full_argument_spec(), supports_check_mode=True, **self.module_kwargs
            )
            self._unmask_public_auth()
        self._check_sdk()
        try:
            if self.conn is None:
                self.conn = self.connect()
            result = self.run() or {}
        except StackwrightError as exc:
            self.fail_json(msg=str(exc))
        except (sdk_exceptions.SDKException, ksa_exceptions.ClientException) as exc:
            msg, extra = describe_error(exc)
            self.fail_json(msg=msg, **extra)
        else:
            result = dict(result)
            changed = bool(result.pop("changed", False))
            self.exit_json(changed=changed, **result)
