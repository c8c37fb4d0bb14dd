"""Pure logic of the openstack_service role: config rendering, uwsgi settings, restarts, releases."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.stackwright.cloud.plugins.filter.config import database_url, ini, transport_url
from ansible_collections.stackwright.cloud.plugins.filter.openstack_service import (
    for_host,
    restart_set,
    uwsgi_config,
)

from stackwright import release


def test_ini_orders_sections_and_drops_nulls():
    text = ini(
        {
            "database": {"connection": "mysql+pymysql://k:p@db/keystone", "max_retries": -1},
            "DEFAULT": {"debug": False, "removed": None},
            "cache": {"enabled": True, "memcache_servers": ["10.0.0.1:11211", "10.0.0.2:11211"]},
        }
    )
    assert text == (
        "[DEFAULT]\ndebug = false\n\n[cache]\nenabled = true\n"
        "memcache_servers = 10.0.0.1:11211,10.0.0.2:11211\n"
        "\n[database]\nconnection = mysql+pymysql://k:p@db/keystone\nmax_retries = -1\n"
    )


def test_ini_repeats_list_values_on_request():
    assert ini({"uwsgi": {"env": ["A=1", "B=2"]}}, repeat=True) == "[uwsgi]\nenv = A=1\nenv = B=2\n"


def test_ini_refuses_nested_mappings():
    with pytest.raises(AnsibleFilterError, match=r"\[DEFAULT\] x is a mapping"):
        ini({"DEFAULT": {"x": {"y": 1}}})
    with pytest.raises(AnsibleFilterError, match="expected a mapping"):
        ini(["DEFAULT"])


def test_override_merge_then_render_removes_an_option():
    # What the role does: combine(recursive) then ini; a null override removes the template's option.
    template = {"DEFAULT": {"debug": False, "use_stderr": True}}
    overrides = {"DEFAULT": {"use_stderr": None, "debug": True}}
    merged = {k: {**template[k], **overrides.get(k, {})} for k in template}
    assert ini(merged) == "[DEFAULT]\ndebug = true\n"


def test_database_url():
    url = database_url({"name": "nova_api", "user": "nova", "password": "pw"}, "10.0.0.10")
    assert url == "mysql+pymysql://nova:pw@10.0.0.10/nova_api?charset=utf8mb4"
    assert database_url({"name": "keystone", "password": "pw"}, "db").startswith(
        "mysql+pymysql://keystone:pw@db/"
    )
    with pytest.raises(AnsibleFilterError, match="needs a name and a password"):
        database_url({"name": "x"}, "db")


def test_uwsgi_config_binds_the_management_address():
    conf = uwsgi_config(
        {"name": "keystone-api", "wsgi": "keystone.wsgi.api:application", "port": 5000}, "10.0.0.5"
    )
    assert conf["uwsgi"]["http-socket"] == "10.0.0.5:5000"
    assert conf["uwsgi"]["module"] == "keystone.wsgi.api:application"
    assert conf["uwsgi"]["processes"] == 2
    assert conf["uwsgi"]["lazy-apps"] is True
    sized = uwsgi_config({"name": "a", "wsgi": "m:app", "port": 1, "processes": 4}, "h", processes=2)
    assert sized["uwsgi"]["processes"] == 4
    with pytest.raises(AnsibleFilterError, match="needs name, wsgi and port"):
        uwsgi_config({"name": "nova-conductor"}, "h")


NAMES = ["nova-api", "nova-conductor", "nova-scheduler"]


def result(changed, **item):
    return {"changed": changed, "item": item}


def test_nothing_changed_restarts_nothing():
    assert restart_set(NAMES, False, [result(False, dest="/etc/nova/nova.conf")], [], []) == []


def test_new_venv_restarts_everything():
    assert restart_set(NAMES, True) == NAMES


def test_changed_config_restarts_its_readers_only():
    configs = [result(True, dest="/etc/nova/api-paste.ini", restarts=["nova-api"]), result(False, dest="x")]
    assert restart_set(NAMES, False, configs) == ["nova-api"]
    # Without `restarts`, every process of the service reads the file.
    assert restart_set(NAMES, False, [result(True, dest="/etc/nova/nova.conf")]) == NAMES
    # A file no process reads at start (rootwrap filters) restarts nothing.
    assert restart_set(NAMES, False, [result(True, dest="/etc/nova/rootwrap.conf", restarts=[])]) == []


def test_changed_unit_or_uwsgi_restarts_that_process():
    assert restart_set(
        NAMES, False, [], [result(True, name="nova-api")], [result(True, name="nova-scheduler")]
    ) == [
        "nova-api",
        "nova-scheduler",
    ]
    # Processes of other hosts (not in NAMES) are never restarted here.
    assert restart_set(NAMES, False, [result(True, dest="x", restarts=["nova-compute"])]) == []


def test_shipped_releases_have_every_lock():
    for name in ("2026.1", "2026.2"):
        rel = release.load(name)
        assert {"keystone", "glance", "placement", "nova", "neutron", "heat", "horizon"} <= set(rel.services)
        for service in rel.services:
            lock = rel.lock_path(service).read_text()
            pins = [line for line in lock.splitlines() if "==" in line]
            assert all(not line.startswith("-e") for line in lock.splitlines())
            assert any(line.startswith("uwsgi==") for line in pins), service


def test_release_errors(tmp_path):
    with pytest.raises(release.ReleaseError, match="not a release name"):
        release.load("latest")
    with pytest.raises(release.ReleaseError, match=r"no release 2031.2.*known: none"):
        release.load("2031.2", root=tmp_path)
    (tmp_path / "2031.2.yml").write_text("python: '3.13'\n")
    with pytest.raises(release.ReleaseError, match="missing exclude_newer, services"):
        release.load("2031.2", root=tmp_path)
    rel = release.load("2026.2")
    with pytest.raises(release.ReleaseError, match="has no service 'swift'"):
        rel.requirements("swift")
    assert rel.requirements("keystone")[0].startswith("keystone==")


def test_compile_command_is_reproducible():
    rel = release.load("2026.2")
    cmd = release.compile_command(rel, release.RELEASES / "x.in", uv="uv")
    assert cmd[cmd.index("--exclude-newer") + 1] == rel.exclude_newer
    assert cmd[cmd.index("--python-version") + 1] == "3.13"


def test_transport_url_lists_every_node():
    assert transport_url(["10.0.0.1", "10.0.0.2"], "nova", "pw", "nova") == (
        "rabbit://nova:pw@10.0.0.1:5671,nova:pw@10.0.0.2:5671/nova"
    )
    with pytest.raises(AnsibleFilterError, match="no RabbitMQ hosts"):
        transport_url([], "nova", "pw", "nova")


def test_for_host_keeps_ungrouped_and_own_group_entries():
    entries = [
        {"name": "nova-api"},
        {"name": "nova-compute", "group": "compute"},
        {"name": "x", "group": "network"},
    ]
    assert [e["name"] for e in for_host(entries, ["control", "compute"])] == ["nova-api", "nova-compute"]
    assert [e["name"] for e in for_host(entries, ["control"])] == ["nova-api"]
    assert for_host(None, ["control"]) == []


def test_db_accounts_group_databases_by_user():
    from ansible_collections.stackwright.cloud.plugins.filter.openstack_service import db_accounts  # noqa: PLC0415

    nova = [{"name": n, "user": "nova", "password": "p"} for n in ("nova_api", "nova", "nova_cell0")]
    assert db_accounts(nova, "nova") == [
        {"user": "nova", "password": "p", "names": ["nova_api", "nova", "nova_cell0"]}
    ]
    assert db_accounts([{"name": "glance", "password": "g"}], "glance") == [
        {"user": "glance", "password": "g", "names": ["glance"]}
    ]
    with pytest.raises(AnsibleFilterError, match="different passwords"):
        db_accounts(
            [{"name": "a", "user": "u", "password": "1"}, {"name": "b", "user": "u", "password": "2"}], "u"
        )


def test_catalog_endpoints_of_a_descriptor():
    from ansible_collections.stackwright.cloud.plugins.filter.openstack_service import endpoints, pick  # noqa: PLC0415

    services = [
        {"name": "nova", "type": "compute", "port": 8774, "path": "/v2.1"},
        {"name": "glance", "port": 9292},
    ]
    found = endpoints(services, "https://203.0.113.10", "https://10.0.0.10")
    assert {"service": "nova", "interface": "public", "url": "https://203.0.113.10:8774/v2.1"} in found
    assert {"service": "nova", "interface": "admin", "url": "https://10.0.0.10:8774/v2.1"} in found
    assert {"service": "glance", "interface": "internal", "url": "https://10.0.0.10:9292"} in found
    assert len(found) == 6
    assert pick(services[0], ["name", "type", "description"]) == {"name": "nova", "type": "compute"}
