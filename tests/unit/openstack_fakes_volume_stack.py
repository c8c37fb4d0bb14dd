"""In-memory cinder, nova (volume attachments) and heat for the volume and stack modules.

Built on ``openstack_fakes.FakeProxy``: real SDK resource classes, every call recorded and checked
against the real proxy method's signature. What is asynchronous in the real services (a volume
being created, extended, attached; a stack in progress) goes through the states the services
show, one state per ``get_volume``/``get_stack`` call, so that the modules' waiting is exercised.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from openstack import exceptions
from openstack.block_storage.v3._proxy import Proxy as BlockStorageAPI
from openstack.block_storage.v3.snapshot import Snapshot
from openstack.block_storage.v3.type import Type
from openstack.block_storage.v3.volume import Volume
from openstack.compute.v2._proxy import Proxy as ComputeAPI
from openstack.compute.v2.server import Server
from openstack.compute.v2.volume_attachment import VolumeAttachment
from openstack.image.v2._proxy import Proxy as ImageAPI
from openstack.image.v2.image import Image
from openstack.orchestration.v1._proxy import Proxy as OrchestrationAPI
from openstack.orchestration.v1.resource import Resource as StackResource
from openstack.orchestration.v1.stack import Stack
from openstack.orchestration.v1.stack_environment import StackEnvironment
from openstack.orchestration.v1.stack_template import StackTemplate

from tests.unit.openstack_fakes import MUTATING, FakeProxy, check_signature

MORE_MUTATING = (*MUTATING, "extend", "set_")
OWN_PROJECT = "project-me"


class RecordingProxy(FakeProxy):
    """A FakeProxy whose own methods record their calls and check them like the generic ones."""

    def _call(self, method: str, /, *args: Any, **kwargs: Any) -> None:
        check_signature(self.real, method, args, kwargs)
        self.calls.append((method, args, kwargs))

    def mutations(self) -> list[str]:
        return [name for name, _, _ in self.calls if name.startswith(MORE_MUTATING)]

    def names(self) -> list[str]:
        return [name for name, _, _ in self.calls]


# --- cinder -------------------------------------------------------------------------------------
class BlockStorageProxy(RecordingProxy):
    """Volumes, types and snapshots. ``later[volume_id]`` holds the attribute updates that the
    next ``get_volume`` calls apply, one per call (what cinder does in the background)."""

    def __init__(self, project: str = OWN_PROJECT):
        super().__init__({"volume": Volume, "type": Type, "snapshot": Snapshot}, real=BlockStorageAPI)
        self.project = project
        self.later: dict[str, list[dict]] = {}
        self.create_outcome = "available"
        self.extend_outcome = "available"

    def volume(self, **attrs: Any) -> Volume:
        """An existing volume of this project (test helper)."""
        attrs = {
            "status": "available",
            "project_id": self.project,
            "attachments": [],
            "metadata": {},
            "is_bootable": False,
            **attrs,
        }
        return self.add("volume", **attrs)

    def _set(self, volume_id: str, **attrs: Any) -> Volume:
        current = self.store["volume"][volume_id]
        updated = Volume.existing(**{**current.to_dict(computed=False), **attrs})
        self.store["volume"][volume_id] = updated
        return updated

    # listing with the keyword-only options of the real methods
    def volumes(self, *, details=True, all_projects=False, **query):
        self._call("volumes", details=details, all_projects=all_projects, **query)
        found = self._list("volume", **query)
        return found if all_projects else [v for v in found if v.project_id == self.project]

    def snapshots(self, *, details=True, all_projects=False, **query):
        self._call("snapshots", details=details, all_projects=all_projects, **query)
        return self._list("snapshot", **query)

    def find_volume(self, name_or_id, ignore_missing=True, *, details=True, all_projects=False):
        self._call("find_volume", name_or_id, ignore_missing, details=details, all_projects=all_projects)
        mine = {
            v.id: v for v in self.store["volume"].values() if all_projects or v.project_id == self.project
        }
        if name_or_id in mine:
            return mine[name_or_id]
        found = [v for v in mine.values() if v.name == name_or_id]
        if len(found) > 1:
            raise exceptions.DuplicateResource(f"More than one volume exists with the name '{name_or_id}'.")
        if found:
            return found[0]
        if ignore_missing:
            return None
        raise exceptions.NotFoundException(f"No volume found for {name_or_id}")

    def create_volume(self, **attrs):
        self._call("create_volume", **attrs)
        extra = {}
        if attrs.get("image_id"):
            extra = {"volume_image_metadata": {"image_id": attrs["image_id"]}, "is_bootable": True}
        if attrs.get("snapshot_id") and not attrs.get("size"):
            extra["size"] = self.store["snapshot"][attrs["snapshot_id"]].size
        volume = self.volume(**attrs, **extra, status="creating")
        self.later[volume.id] = [{"status": "downloading" if attrs.get("image_id") else "creating"}]
        self.later[volume.id].append({"status": self.create_outcome})
        return volume

    def get_volume(self, volume):
        self._call("get_volume", volume)
        volume_id = getattr(volume, "id", volume)
        if volume_id not in self.store["volume"]:
            raise exceptions.NotFoundException(f"No Volume found for {volume_id}")
        steps = self.later.get(volume_id)
        if steps:
            self._set(volume_id, **steps.pop(0))
        return self.store["volume"][volume_id]

    def wait_for_status(self, res, status="available", failures=None, *, interval=2, wait=None, **rest):
        self._call("wait_for_status", res, status=status, failures=failures, interval=interval, wait=wait)
        for _ in range(20):
            current = self.get_volume(res.id)
            if current.status == status:
                return current
            if current.status in (failures or ["error"]):
                raise exceptions.ResourceFailure(
                    f"Volume:{res.id} transitioned to failure state {current.status}"
                )
        raise exceptions.ResourceTimeout(f"Timeout waiting for Volume:{res.id} to transition to {status}")

    def extend_volume(self, volume, size):
        self._call("extend_volume", volume, size)
        self._set(volume.id, status="extending")
        if self.extend_outcome == "available":
            self.later[volume.id] = [{"status": "extending"}, {"status": volume.status, "size": size}]
        else:
            self.later[volume.id] = [{"status": self.extend_outcome}]

    def set_volume_bootable_status(self, volume, bootable):
        self._call("set_volume_bootable_status", volume, bootable)
        self._set(volume.id, is_bootable=bootable)

    def set_volume_metadata(self, volume, **metadata):
        self._call("set_volume_metadata", volume, **metadata)
        current = self.store["volume"][volume.id]
        return self._set(volume.id, metadata={**(current.metadata or {}), **metadata})

    def update_volume(self, volume, **attrs):
        self._call("update_volume", volume, **attrs)
        return self._set(volume.id, **attrs)

    def delete_volume(self, volume, ignore_missing=True, *, force=False, cascade=False):
        self._call("delete_volume", volume, ignore_missing)
        self._delete("volume", volume, ignore_missing)


# --- nova's volume attachments ------------------------------------------------------------------
class ComputeProxy(RecordingProxy):
    """Servers and their volume attachments, changing the volumes of ``cinder`` as nova does:
    reserved at once, then attaching, then in-use (or available again when ``attach_fails``)."""

    def __init__(self, cinder: BlockStorageProxy):
        super().__init__({"server": Server}, real=ComputeAPI)
        self.cinder = cinder
        self.attach_fails = False

    def find_server(self, name_or_id, ignore_missing=True, *, details=True, all_projects=False):
        self._call("find_server", name_or_id, ignore_missing, details=details, all_projects=all_projects)
        return self._find("server", name_or_id, ignore_missing)

    def attach(self, server, volume, device="/dev/vdb") -> None:
        """An existing attachment (test helper)."""
        attachments = [
            *self.cinder.store["volume"][volume.id].attachments,
            self._record(server.id, volume.id, device),
        ]
        self.cinder._set(volume.id, status="in-use", attachments=attachments)

    @staticmethod
    def _record(server_id, volume_id, device):
        return {
            "server_id": server_id,
            "volume_id": volume_id,
            "device": device,
            "attachment_id": f"att-{server_id}",
        }

    def _attachment(self, server_id, volume_id):
        volume = self.cinder.store["volume"].get(volume_id)
        for record in (volume.attachments or []) if volume else []:
            if record["server_id"] == server_id:
                return VolumeAttachment.existing(
                    id=volume_id,
                    server_id=server_id,
                    volume_id=volume_id,
                    device=record["device"],
                    attachment_id=record["attachment_id"],
                )
        return None

    def get_volume_attachment(self, server, volume):
        self._call("get_volume_attachment", server, volume)
        found = self._attachment(getattr(server, "id", server), getattr(volume, "id", volume))
        if found is None:
            raise exceptions.NotFoundException("Volume attachment not found")
        return found

    def create_volume_attachment(self, server, volume=None, **attrs):
        self._call("create_volume_attachment", server, volume, **attrs)
        volume = self.cinder.store["volume"][getattr(volume, "id", volume)]
        if volume.status != "available" and not (volume.is_multiattach and volume.status == "in-use"):
            raise exceptions.BadRequestException(
                f"Invalid volume: volume {volume.id} status must be available"
            )
        record = self._record(server.id, volume.id, attrs.get("device") or "/dev/vdb")
        self.cinder._set(volume.id, status="reserved")
        if self.attach_fails:
            self.cinder.later[volume.id] = [{"status": "attaching"}, {"status": "available"}]
        else:
            attachments = [*(volume.attachments or []), record]
            self.cinder.later[volume.id] = [
                {"status": "attaching"},
                {"status": "in-use", "attachments": attachments},
            ]
        return VolumeAttachment.existing(
            id=volume.id, server_id=server.id, volume_id=volume.id, device=record["device"]
        )

    def delete_volume_attachment(self, server, volume, ignore_missing=True):
        self._call("delete_volume_attachment", server, volume, ignore_missing)
        volume = self.cinder.store["volume"][getattr(volume, "id", volume)]
        left = [a for a in volume.attachments or [] if a["server_id"] != server.id]
        self.cinder._set(volume.id, status="detaching")
        self.cinder.later[volume.id] = [{"status": "in-use" if left else "available", "attachments": left}]


# --- glance (images to create volumes from) -----------------------------------------------------
def image_proxy() -> FakeProxy:
    return FakeProxy({"image": Image}, real=ImageAPI)


# --- heat ---------------------------------------------------------------------------------------
def heat_text(schema: dict, value: Any) -> str:
    """A parameter's value as heat shows it in a stack (``Parameters.map(str)``)."""
    if schema.get("hidden"):
        return "******"
    kind = schema.get("type", "string")
    if kind == "boolean":
        return str(str(value).strip().lower() in ("1", "t", "true", "on", "y", "yes"))
    if kind == "number":
        number = float(value)
        return str(int(number)) if number.is_integer() and "." not in str(value) else str(number)
    if kind == "comma_delimited_list":
        return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if kind == "json":
        return json.dumps(json.loads(value) if isinstance(value, str) else value)
    return str(value)


def heat_parameters(stack_id: str, name: str, template: dict, environment: dict, given: dict) -> dict:
    """A stack's parameters as heat shows them: the pseudo parameters, then every template
    parameter from the request, the environment, or the template's default."""
    shown = {"OS::stack_id": stack_id, "OS::stack_name": name, "OS::project_id": OWN_PROJECT}
    env_values = {**(environment.get("parameter_defaults") or {}), **(environment.get("parameters") or {})}
    for key, schema in (template.get("parameters") or {}).items():
        value = given.get(key, env_values.get(key, schema.get("default")))
        if value is not None:
            shown[key] = heat_text(schema, value)
    return shown


def heat_outputs(template: dict, parameters: dict) -> list[dict]:
    """Outputs as heat shows them: ``{get_param: x}`` resolved, anything else as written."""
    out = []
    for key, spec in (template.get("outputs") or {}).items():
        value = spec.get("value")
        if isinstance(value, dict) and "get_param" in value:
            value = parameters.get(value["get_param"])
        out.append({"output_key": key, "output_value": value, "description": spec.get("description")})
    return out


class OrchestrationProxy(RecordingProxy):
    """Stacks with their template, environment and files. Requests are answered like heat:
    create returns the id only, an update does not show until the next poll (the race the module
    must not fall for), then IN_PROGRESS, then the outcome set in ``outcome`` (COMPLETE)."""

    def __init__(self):
        super().__init__({"stack": Stack}, real=OrchestrationAPI)
        self.templates: dict[str, dict] = {}
        self.environments: dict[str, dict] = {}
        self.files: dict[str, dict] = {}
        self.given: dict[str, dict] = {}
        self.later: dict[str, list[dict]] = {}
        self.outcome = "COMPLETE"
        self.clock = 0

    def tick(self) -> str:
        self.clock += 1
        return f"2026-11-21T10:00:{self.clock:02d}Z"

    def stack(self, template: dict, parameters: dict | None = None, environment: dict | None = None, **attrs):
        """An existing, complete stack (test helper)."""
        attrs = {
            "status": "CREATE_COMPLETE",
            "tags": [],
            "timeout_mins": 60,
            "is_rollback_disabled": True,
            **attrs,
        }
        stack = self.add("stack", **attrs)
        self._define(stack.id, template, parameters or {}, environment or {}, {})
        return self.store["stack"][stack.id]

    def _define(self, stack_id, template, parameters, environment, files):
        stack = self.store["stack"][stack_id]
        self.templates[stack_id] = copy.deepcopy(template)
        self.environments[stack_id] = {
            "parameters": {**(environment.get("parameters") or {}), **parameters},
            "parameter_defaults": environment.get("parameter_defaults") or {},
            "resource_registry": {"resources": {}, **(environment.get("resource_registry") or {})},
            "event_sinks": environment.get("event_sinks") or [],
            "encrypted_param_names": [],
        }
        self.files[stack_id] = copy.deepcopy(files)
        self.given[stack_id] = dict(parameters)
        shown = heat_parameters(stack_id, stack.name, template, environment, parameters)
        self._set(stack_id, parameters=shown, outputs=heat_outputs(template, shown))

    def _set(self, stack_id, **attrs):
        current = self.store["stack"][stack_id]
        self.store["stack"][stack_id] = Stack.existing(**{**current.to_dict(computed=False), **attrs})

    def _gone(self, stack_id):
        stack = self.store["stack"].get(stack_id)
        return stack is None or stack.status == "DELETE_COMPLETE"

    def find_stack(self, name_or_id, ignore_missing=True, resolve_outputs=True):
        self._call("find_stack", name_or_id, ignore_missing, resolve_outputs)
        found = [
            s for s in self.store["stack"].values() if name_or_id in (s.id, s.name) and not self._gone(s.id)
        ]
        if found:
            return found[0]
        if ignore_missing:
            return None
        raise exceptions.NotFoundException(f"No Stack found for {name_or_id}")

    def get_stack(self, stack, resolve_outputs=True):
        self._call("get_stack", stack, resolve_outputs)
        stack_id = getattr(stack, "id", stack)
        if self._gone(stack_id):
            raise exceptions.NotFoundException(f"No stack found for {stack_id}")
        steps = self.later.get(stack_id)
        if steps:
            self._set(stack_id, **steps.pop(0))
        if self._gone(stack_id):
            raise exceptions.NotFoundException(f"No stack found for {stack_id}")
        return self.store["stack"][stack_id]

    def _check_body(self, attrs):
        assert isinstance(attrs.get("tags", ""), str), "heat reads tags as one comma-separated string"
        assert "template" in attrs, "heat needs the whole template"

    def _outcome(self, action, reason):
        if self.outcome == "COMPLETE":
            return {"status": f"{action}_COMPLETE", "status_reason": f"Stack {action} completed successfully"}
        return {"status": f"{action}_{self.outcome}", "status_reason": reason}

    def create_stack(self, preview=False, **attrs):
        self._call("create_stack", preview, **attrs)
        self._check_body(attrs)
        stack = self.add(
            "stack",
            name=attrs["name"],
            status="INIT_COMPLETE",
            tags=[t for t in attrs.get("tags", "").split(",") if t],
            timeout_mins=attrs.get("timeout_mins", 60),
            is_rollback_disabled=attrs.get("is_rollback_disabled", True),
            created_at=self.tick(),
        )
        self._define(
            stack.id,
            attrs["template"],
            attrs.get("parameters", {}),
            attrs.get("environment", {}),
            attrs.get("files", {}),
        )
        self.later[stack.id] = [
            {"status": "CREATE_IN_PROGRESS"},
            self._outcome("CREATE", "Resource CREATE failed: quota exceeded"),
        ]
        return Stack.existing(id=stack.id, name=stack.name)

    def update_stack(self, stack, *, preview=False, **attrs):
        self._call("update_stack", stack, preview=preview, **attrs)
        self._check_body(attrs)
        stack_id = getattr(stack, "id", stack)
        self._define(
            stack_id,
            attrs["template"],
            attrs.get("parameters", {}),
            attrs.get("environment", {}),
            attrs.get("files", {}),
        )
        changes = {"tags": [t for t in attrs.get("tags", "").split(",") if t]}
        if "timeout_mins" in attrs:
            changes["timeout_mins"] = attrs["timeout_mins"]
        if "is_rollback_disabled" in attrs:
            changes["is_rollback_disabled"] = attrs["is_rollback_disabled"]
        self.later[stack_id] = [
            {},  # heat has not started yet: the stack still shows its last outcome
            {"status": "UPDATE_IN_PROGRESS", "updated_at": self.tick(), **changes},
            self._outcome("UPDATE", "Resource UPDATE failed: the server went away"),
        ]
        return self.store["stack"][stack_id]

    def delete_stack(self, stack, ignore_missing=True):
        self._call("delete_stack", stack, ignore_missing)
        stack_id = getattr(stack, "id", stack)
        outcome = (
            {"status": "DELETE_COMPLETE"}
            if self.outcome == "COMPLETE"
            else {"status": "DELETE_FAILED", "status_reason": "Resource DELETE failed: volume in use"}
        )
        self.later[stack_id] = [{"status": "DELETE_IN_PROGRESS"}, outcome]

    def get_stack_template(self, stack):
        self._call("get_stack_template", stack)
        return StackTemplate.existing(name=stack.name, stack_id=stack.id, **self.templates[stack.id])

    def get_stack_environment(self, stack):
        self._call("get_stack_environment", stack)
        return StackEnvironment.existing(name=stack.name, id=stack.id, **self.environments[stack.id])

    def get_stack_files(self, stack):
        self._call("get_stack_files", stack)
        return copy.deepcopy(self.files[stack.id])

    def resources(self, stack, **query):
        self._call("resources", stack, **query)
        template = self.templates[getattr(stack, "id", stack)]
        return [
            StackResource.existing(
                name=key,
                logical_resource_id=key,
                resource_type=spec["type"],
                status="CREATE_COMPLETE",
                physical_resource_id=f"phys-{key}",
            )
            for key, spec in (template.get("resources") or {}).items()
        ]
