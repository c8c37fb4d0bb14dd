"""Every OpenStack module's documentation says what its argument spec does.

DOCUMENTATION, EXAMPLES and RETURN parse; each option is documented with the spec's type,
required, default, choices, elements and suboptions (and nothing else is documented); the doc
fragments match the module's kind; every example is a named task of ours or of ansible.builtin,
and one of them uses the module.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest
import yaml
from ansible_collections.stackwright.cloud.plugins.module_utils.info import InfoModule
from ansible_collections.stackwright.cloud.plugins.module_utils.openstack import (
    OPENSTACK_ARGS,
    StackwrightModule,
)
from ansible_collections.stackwright.cloud.plugins.module_utils.resource import ResourceModule

MODULES = Path(__file__).resolve().parents[2] / "plugins" / "modules"
PACKAGE = "ansible_collections.stackwright.cloud.plugins.modules"
STATE = {"type": "str", "choices": ["present", "absent"], "default": "present"}


def module_class(name: str) -> type | None:
    """The class whose instance main() calls (``XModule()()``) if it is a StackwrightModule, or
    None (not an OpenStack module)."""
    code = importlib.import_module(f"{PACKAGE}.{name}")
    tree = ast.parse(inspect.getsource(code))
    main = next((n for n in tree.body if getattr(n, "name", "") == "main"), None)
    calls = [node.func for node in ast.walk(main) if isinstance(node, ast.Call)] if main else []
    called = [
        call.func.id for call in calls if isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
    ]
    cls = getattr(code, called[0], None) if called else None
    return cls if inspect.isclass(cls) and issubclass(cls, StackwrightModule) else None


OURS = {name: cls for name in sorted(p.stem for p in MODULES.glob("*.py")) if (cls := module_class(name))}


def docs_of(name: str) -> dict:
    tree = ast.parse((MODULES / f"{name}.py").read_text())
    return {
        node.targets[0].id: yaml.safe_load(node.value.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in ("DOCUMENTATION", "EXAMPLES", "RETURN")
    }


def check_options(documented: dict, spec: dict, where: str) -> None:
    assert set(documented) == set(spec), where
    for option, details in spec.items():
        doc = documented[option]
        assert doc["type"] == details["type"], f"{where}.{option}"
        for field, default in (("required", False), ("default", None), ("choices", None), ("elements", None)):
            assert doc.get(field, default) == details.get(field, default), f"{where}.{option}.{field}"
        if "options" in details:
            check_options(doc["suboptions"], details["options"], f"{where}.{option}")


def test_every_openstack_module_is_checked():
    assert len(OURS) >= 30 and {"network", "identity_info", "catalog_registration"} <= set(OURS)


@pytest.mark.parametrize("name", list(OURS))
def test_documentation_matches_the_argument_spec(name):
    docs = docs_of(name)
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    doc = docs["DOCUMENTATION"]
    assert doc["module"] == name and doc["short_description"]
    fragments = doc["extends_documentation_fragment"]
    assert "stackwright.cloud.openstack" in fragments
    cls = OURS[name]
    documented = dict(doc.get("options") or {})
    if "stackwright.cloud.openstack.resource" in fragments:
        assert issubclass(cls, ResourceModule)
        documented["state"] = STATE
    elif "stackwright.cloud.openstack.info" in fragments:
        assert issubclass(cls, InfoModule)
    else:
        assert {"check_mode", "diff_mode"} <= set(doc["attributes"])
    own = {k: v for k, v in cls.full_argument_spec().items() if k not in OPENSTACK_ARGS}
    check_options(documented, own, name)
    assert docs["RETURN"], "RETURN documents nothing"
    for task in docs["EXAMPLES"]:
        assert isinstance(task, dict) and task.get("name"), task
        assert any(key.startswith(("stackwright.cloud.", "ansible.builtin.")) for key in task), task
    assert any(f"stackwright.cloud.{name}" in task for task in docs["EXAMPLES"])
