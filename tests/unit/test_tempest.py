"""Tempest on the deploy host: tempest.conf from what the cloud shows, the lock and the venv it
builds, and the results read from a subunit stream captured from real runs against the AIO."""

from __future__ import annotations

import base64
import configparser
import stat
import sys
import zlib
from pathlib import Path

import pytest

from stackwright import release, tempest

# Real subunit v2 packets (zlib, base64) from `stestr last --subunit` after tempest 47 runs against
# the AIO: a smoke run with keystone, glance and placement only (a class skipped in setUpClass, a
# test skipped on its own, two passes with their logging attached), a run with a wrong admin
# password (setUpClass failing with a traceback) and one with a wrong default domain (a test failing).
SAMPLE = zlib.decompress(
    base64.b64decode(
        "eNrVWV+IJEcZZwVF5yV5ER9EqATCzOxO/++enh5dmLv9k4vG29PdC+qy16nprp7pTE93p6tndjeiBBO94EPUJ08ChxEfAkFflsAZ"
        "NERQEV80D4GQvEUJikoQ9EVBrKr+O7szm71lb2fthdnqqpqq3+/7vvq+r745WPpQ5yuDBf9H7//7Nz/sPIxRfD1c8SDGoBajYYhw"
        "zMPQ5a1gGI5ixDseHAcR5mMyYGYv68n/x+Qt0vvZzY2r9fjqXzYOlsLOd8585U/EaC8WQg+6/qetPozIssuj2Gl9JEIQB/7HrwZj"
        "CFwM/CAGcAxdD3Y9tPC3V146WPpmxz5zOAsf3Q2iAYo4Uf7ByjcOiDB/SvZ46d3PfOpK54Xyuq6N/NiN93loD12fHyvJylaE2AD0"
        "ML9StLP1j0yibRgjs4dicxTatGkjD8Vo27U53bI1o+sYXNeGKqdauswZalPnbFmyYFfWW4qmNfAwGKCd/1b+8VeioFWG9r0/3X7u"
        "QqOdpfT7w/24H/he0Ou5fq9dra68KYtyk5MkTpaAJLYlua01G01RBJKkGwZ45Or6BqDPdsbWc7tU58PA5yOG3nMJ+B3wRfTkiLyD"
        "2hSe7RPzrLeBLErg2sbmFujHcYjbgiDpMi8bvKwYPEGoiaIojBWhtBoQeVHWcGUqFVmeJxURXLu0tXLl5FyEpm01taZkK4oKFVWX"
        "VdUgf0jWdQshXVcNx0YWNLqS1dS7oo00zZKgBG1LlI2uJalMGPIMYSjqfIXx8NrWOYtCkmaIQjtjuzCjkU9mIuiPQszoqmB17dG1"
        "rbXzZqzjyqvvGPcdLD3TufN/4a2KmPAzZfmfNCY8O1gI9D9eiW91npzAPYQ9xI/lBMkYRdgNfMw/ljYo0GTIc0vjFE1TMxBURMhB"
        "Sbc4VZF0rqXIFic6zRayZcVSJDtF89wvvr5APP2lzzMMr968MwcMJ/bfnduHjFtrS0ZDM1qnN+4yk/ZRJsS0lWNPsiEbskANUWzi"
        "Ctzdu0wN8fk5CrMwrx9/8lffpeb1IkFz+c3f3Xi683yGBlvIh5EbJNthFJHNzC7ErmUGIeYpkk3WeZn2bYR4+sTtNB1q0BPgOI7i"
        "dBXOkOwWpzq2SM6CbpPMR1QdyZFaYhc2fBRTdCnUN9bf1mka+C8G8A31wgH8gGxS3Ry4YYhs0CVuaoQRiPsIpDsCCsW10JFk88O3"
        "qzxNNl++qKQLA7p065f/oQa0TaAO3n/g/k7nyqy8OPexmXclnabtYisg0PYZ9Euhu5p11G/yL6wT1X9hePZLc0xpe1wcQQt1oTWY"
        "UF3Dg35vRM7hcuJcPpZPu/bWVtYEtWFAnEOEiEJiYEHPAwRXXG9XAFh3PQQeFKIgiAXeC8iggGMSDOinNdiN3F4/FlL8whj5Y4H4"
        "ICHZTOElScBujLiQzCUgcD6TMuPD/QcbwHN9BKSW1gCuDwqhVKhfi6BLzGwMvRHid924b+boa6xVPz+AujgNoEWCKekaheXIWbuH"
        "sIgxCJmFCOQIoBJGJYc4iYchxaMQRTVyktAj6depJTUog/r5UjgkWcVoHQN7CH3y5QgsM1HTXCQJaWY6UGOziufG9Ofc2Oiyztgc"
        "RZrYC6FnhlEwJjrMSLEMq5x4ZeNMCUefG8c/50dVlBnVmfjzE8JG8QTvUjI6k/5U9ieSwb2WRJJilZN704FWHBD/XHIZqlSYwizx"
        "LC7SYXvfh0MSzbIhM4QRHOJadtKz5KieWcSNu3nmLAddzsUwgycjxW4riaUQAym/BVEiw8B33N6InqBiNPNXx9jKSU1mzmKStZLn"
        "OIZq7key+sjyYQurOa7nma6/nP5vVO5eGnMWBrmETDs7SVJAAkXkAziK+4d9R412mqPIm6A8L6Z0EkNZ8Gpq8kxeuelTDtkJ4ZkO"
        "D0fmi6DHKewkWWHsDmNOzjelZcMYEooYeQ7THe2cEubmSkI1chXRoSR7ooBxGfA5AtLyBOkQIAta5AaWitM8Rp5grmahSEqRKOQM"
        "YnL58hsTZsHazsi3aouLySlg4aFeuUuXfm/ZpTddXOThY0VgbNKMr6w7o/BjbAqj0g3s/UxtTGOLi4NdGPUmmV5sYmqi01ydEcJh"
        "Y4JZSO6UtZwj88psfJl+nMBGz51/GplKhbMJI07CM2WVEzb7CBIn3UheyuSjpOD2AXnJRVVuetlNSZSu4mjPQmHMynjXfarWIHKf"
        "QnYt579dRVEURNWd7eoQYUxgVHfqlXJ5csYSbVB+q6yiGLoeboMt4uFSHGA/GIE+HCNyK7STXpdszGyQcrIgXZavPH79gcWDpW91"
        "0NkXW4pi0RM/2XqCFou+TzZ55r3o5tOdZ49d2A6G0CWcV5EDR168yl4ni+92MpRONdGei2NWDpV0qNlIVjnUhCKnIhVy0ECIs1ta"
        "t4m0piR3s2r7lx79++9pffvbFNaf3/r1rYsB6+Ql798eKnk324rWaLbIS0tWWqcpeU+l1p5Nrd4Gqqic4NesVHaCH3B4ZPW55J0W"
        "xxUNV35+5+XXiCbWP3exNHHacuHaU/MsF06UvajjKkuscFxq4rdmC4u5slRPqadOV8m8IO4Hu+l3aqVx07Xr29WkXd2p3H0xYq5+"
        "/hDHQmCt5DpSIj0jmJMEplbNDP4hXAUPgUIwp4nl8wzlqpYlZeUL5UTcrpLjX20AlrSQAxPBNNTjBsgaldObwDzZ6039SHBPLhAs"
        "cpvkSmGRCFdLbCAP7PU5Qm6lJaRJhNPTkvUg6ro2sf0iJ0lYLNOPmalI/rU2yJtFEvLVqhXYqMoCQwPkmU0bVL9MUhIYoeQ3rzx9"
        "IZcbEKLICaIh+5EslTUZgBbdrw2y09lmZTF2knhib1XS57GFcxTVr1Wuj9/epAnNixcrlBTJ0B8Gr3/vf2/poUU="
    )
)
TEST_API = "tempest.api.identity.v3.test_api_discovery.TestApiDiscovery"
# Those tests as `tempest run --smoke --list-tests` lists them, and one the sample has no result for.
LISTED = [
    "tempest.api.compute.flavors.test_flavors.FlavorsV2TestJSON.test_get_flavor[id-1f12046b-753d-40d2-abb6-d8eb8b30cb2f,smoke]",
    "tempest.api.compute.flavors.test_flavors.FlavorsV2TestJSON.test_list_flavors[id-e36c0eaa-dff5-4082-ad1f-3f9a80aa3f59,smoke]",
    "tempest.api.identity.admin.v3.test_credentials.CredentialsTestJSON.test_credentials_create_get_update_delete[id-7cd59bf9-bda4-4c72-9467-d21cab278355,smoke]",
    "tempest.api.identity.admin.v3.test_roles.RolesV3TestJSON.test_role_create_update_show_list[id-18afc6c0-46cf-4911-824e-9989cc056c3a,smoke]",
    f"{TEST_API}.test_api_media_types[id-657c1970-4722-4189-8831-7325f3bc4265,smoke]",
    f"{TEST_API}.test_api_version_resources[id-b9232f5e-d9e5-4d97-b96c-28d3db4de1bd,smoke]",
    f"{TEST_API}.test_api_version_statuses[id-8879a470-abfb-47bb-bb8d-5a7fd279ad1e,smoke]",
    f"{TEST_API}.test_list_api_versions[id-721f480f-35b6-46c7-846e-047e6acea0dc,smoke]",
    "tempest.api.identity.v3.test_domains.DefaultDomainTestJSON.test_default_domain_exists[id-17a5de24-e6a0-4e4a-a9ee-d85b6e5612b5,smoke]",
    "tempest.api.image.v2.test_versions.VersionsTest.test_list_versions[id-659ea30a-a17c-4317-832c-0f68ed23c31d,smoke]",
    "tempest.scenario.test_server_basic_ops.TestServerBasicOps.test_server_basic_ops[compute,id-7fff3fb3-91d8-4fd0-bd7d-0204f1f180ba,network,smoke]",
]


def packets(data: bytes) -> list[bytes]:
    """The stream cut into its packets (each carries its own length and checksum)."""
    out, pos = [], 0
    while pos < len(data):
        length, _ = tempest._varint(data, pos + 3)
        out.append(data[pos : pos + length])
        pos += length
    return out


# --- subunit ---------------------------------------------------------------------------------


def test_subunit_packets_of_a_real_stream():
    events = list(tempest.subunit_events(SAMPLE))
    assert len(events) == len(packets(SAMPLE)) == 19
    first = events[0]
    assert first.test_id == "setUpClass (tempest.api.compute.flavors.test_flavors.FlavorsV2TestJSON)"
    assert first.status == "inprogress" and first.timestamp > 1.7e9
    assert events[1].file_name == "reason" and events[1].file_bytes == b"Nova is not available"
    assert events[2].status == "skip" and events[2].tags == ("worker-0",)


def test_results_keep_status_duration_reason_and_traceback_only():
    results = {r.name: r for r in tempest.test_results(tempest.subunit_events(SAMPLE))}
    assert len(results) == 6
    passed = results[
        "tempest.api.identity.admin.v3.test_credentials.CredentialsTestJSON"
        ".test_credentials_create_get_update_delete"
    ]
    assert passed.status == "success" and 0 < passed.seconds < 60
    assert passed.details == {}  # its pythonlogging attachment is dropped
    skipped = results["tempest.scenario.test_server_basic_ops.TestServerBasicOps.test_server_basic_ops"]
    assert skipped.status == "skip"
    assert skipped.reason == "Skipped because the compute service is not available"
    failed = results["tempest.api.identity.v3.test_domains.DefaultDomainTestJSON.test_default_domain_exists"]
    assert failed.status == "fail" and set(failed.details) == {"traceback"}
    assert "identity:get_domain" in failed.details["traceback"]
    setup = results[f"setUpClass ({TEST_API})"]
    assert setup.status == "fail"
    assert "Unauthorized" in setup.details["traceback"]


def test_summary_over_the_selected_tests():
    summary = tempest.parse(SAMPLE, LISTED)
    # Passed: credentials, image versions. Skipped: the flavor class's 2 tests, server_basic_ops.
    # Failed: TestApiDiscovery's 4 tests (its setUpClass failed), the domain test, and the roles
    # test, which the stream never mentions.
    assert (summary.passed, summary.skipped, summary.failed) == (2, 3, 6)
    assert summary.total == len(LISTED)
    assert summary.line() == "2 passed, 3 skipped, 6 failed"
    skips = {s.test_id: s for s in summary.skips}
    flavors = skips["setUpClass (tempest.api.compute.flavors.test_flavors.FlavorsV2TestJSON)"]
    assert (flavors.reason, flavors.tests) == ("Nova is not available", 2)
    assert summary.skip_reasons() == [
        ("Nova is not available", 2),
        ("Skipped because the compute service is not available", 1),
    ]
    failures = {tempest.test_name(f.test_id): f for f in summary.failures}
    assert failures[f"setUpClass ({TEST_API})"].headline == (
        "tempest.lib.exceptions.Unauthorized: Unauthorized"
        " Details: The request you have made requires authentication."
    )
    domain = failures["tempest.api.identity.v3.test_domains.DefaultDomainTestJSON.test_default_domain_exists"]
    assert domain.headline.startswith("tempest.lib.exceptions.Forbidden: Forbidden Details: {'code': 403")
    roles = failures[
        "tempest.api.identity.admin.v3.test_roles.RolesV3TestJSON.test_role_create_update_show_list"
    ]
    assert roles.status == "not run"
    assert summary.test_seconds > 0


def test_summary_without_a_listing_counts_entries_as_stestr():
    summary = tempest.parse(SAMPLE)
    assert (summary.passed, summary.skipped, summary.failed) == (2, 2, 2)
    assert [s.tests for s in summary.skips] == [1, 1]


def test_unfinished_tests_and_teardown_failures_are_failures():
    pkts = packets(SAMPLE)
    started_only = pkts[3]  # the credentials test's inprogress packet, nothing after it
    assert next(tempest.subunit_events(started_only)).status == "inprogress"
    summary = tempest.parse(started_only, LISTED[2:3])
    assert (summary.passed, summary.failed) == (0, 1)
    assert summary.failures[0].status == "incomplete" and "never finished" in summary.failures[0].headline

    teardown = tempest.Event("tearDownClass (tempest.api.image.v2.test_versions.VersionsTest)", "fail", None)
    results = tempest.test_results(
        [
            *tempest.subunit_events(b"".join(pkts[6:9])),
            tempest.Event(teardown.test_id, "inprogress", None),
            teardown,
        ]
    )
    summary = tempest.summarize(results, LISTED[9:10])
    assert (summary.passed, summary.failed) == (1, 1)
    assert summary.failures[0].test_id == teardown.test_id


def test_broken_streams_are_refused():
    good = packets(SAMPLE)[1]
    with pytest.raises(tempest.SubunitError, match="bad packet checksum"):
        list(tempest.subunit_events(good[:-6] + bytes([good[-6] ^ 1]) + good[-5:]))
    with pytest.raises(tempest.SubunitError, match="truncated packet"):
        list(tempest.subunit_events(good[:-1]))
    with pytest.raises(tempest.SubunitError, match="not a subunit v2 packet"):
        list(tempest.subunit_events(b"Traceback (most recent call last):\n"))
    assert list(tempest.subunit_events(b"")) == []


def test_varint_sizes():
    assert tempest._varint(bytes([0x3F]), 0) == (63, 1)
    assert tempest._varint(bytes([0x41, 0x00]), 0) == (256, 2)
    assert tempest._varint(bytes([0x80, 0x40, 0x00]), 0) == (0x4000, 3)
    assert tempest._varint(bytes([0xC0, 0x40, 0x00, 0x00]), 0) == (0x400000, 4)
    with pytest.raises(tempest.SubunitError):
        tempest._varint(bytes([0x41]), 0)


def test_test_names_and_classes():
    test_id = LISTED[0]
    assert tempest.test_name(test_id).endswith("FlavorsV2TestJSON.test_get_flavor")
    assert tempest.test_class(test_id) == "tempest.api.compute.flavors.test_flavors.FlavorsV2TestJSON"
    assert tempest.test_class("setUpClass (a.b.C)") == tempest.test_class("tearDownClass (a.b.C)") == "a.b.C"


# --- tempest.conf ------------------------------------------------------------------------------


def endpoint(interface: str, url: str, region: str = "RegionOne") -> dict:
    return {"interface": interface, "region": region, "region_id": region, "url": url, "id": "x"}


def service(kind: str, port: int, path: str = "", **more: str) -> dict:
    eps = [
        endpoint("public", f"https://172.29.239.10:{port}{path}"),
        endpoint("internal", f"https://172.29.236.10:{port}{path}"),
    ]
    eps += [endpoint("public", url, region) for region, url in more.items()]
    return {"type": kind, "name": kind, "id": kind, "endpoints": eps}


# The token's catalog of the AIO with every service we deploy (as keystoneauth returns it).
CATALOG = [
    service("identity", 5000, "/v3"),
    service("image", 9292, RegionTwo="https://198.51.100.1:9292"),
    service("placement", 8778),
    service("compute", 8774, "/v2.1"),
    service("network", 9696),
    service("orchestration", 8004, "/v1/%(tenant_id)s"),
]


def facts(**changes) -> tempest.CloudFacts:
    base = {
        "username": "admin",
        "password": "pa$$word",
        "project_name": "admin",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
        "region": "RegionOne",
        "auth_url": "https://172.29.239.10:5000/v3",
        "cacert": "/repo/inventories/aio/pki/ca.crt",
        "catalog": CATALOG,
        "image_id": "img-1",
        "flavor_ids": ("f-tiny", "f-small"),
        "public_network_id": "net-public",
        "network_extensions": ("router", "port-security", "external-net", "security-group"),
        "compute_hosts": 1,
        "dashboard_url": "https://172.29.239.10:8080/",
        "guest_image_file": "/state/guest/stackwright-guest-abc.qcow2",
    }
    return tempest.CloudFacts(**{**base, **changes})


def test_config_takes_the_alt_image_and_the_apis_microversion_ranges(tmp_path):
    conf = tempest.build_config(
        facts(
            catalog=[*CATALOG, service("block-storage", 8776, "/v3")],
            image_alt_id="img-2",
            compute_microversions=("2.1", "2.96"),
            volume_microversions=("3.0", "3.71"),
        ),
        tmp_path,
    )
    assert (conf["compute"]["image_ref"], conf["compute"]["image_ref_alt"]) == ("img-1", "img-2")
    assert (conf["compute"]["min_microversion"], conf["compute"]["max_microversion"]) == ("2.1", "2.96")
    assert (conf["volume"]["min_microversion"], conf["volume"]["max_microversion"]) == ("3.0", "3.71")


def test_services_from_the_public_catalog_of_the_region():
    # Swift with a public endpoint in another region only: not available to tempest in RegionOne.
    swift_endpoints = [
        endpoint("internal", "https://172.29.236.10:8080"),
        endpoint("public", "https://x", "R2"),
    ]
    swift = {"type": "object-store", "endpoints": swift_endpoints}
    catalog = [*CATALOG, service("volumev3", 8776), swift]
    assert tempest.available(facts(catalog=catalog)) == {
        "nova": True,
        "neutron": True,
        "glance": True,
        "cinder": True,
        "swift": False,
        "horizon": True,
    }
    assert tempest.public_endpoints(CATALOG, "RegionOne")["image"] == "https://172.29.239.10:9292"
    bare = facts(catalog=CATALOG[:3], dashboard_url=None)
    assert tempest.available(bare) == dict.fromkeys(
        ["nova", "neutron", "cinder", "swift", "horizon"], False
    ) | {"glance": True}


def test_config_of_the_full_aio(tmp_path):
    conf = tempest.build_config(facts(), tmp_path)
    assert conf["auth"]["use_dynamic_credentials"] is True
    assert conf["auth"]["create_isolated_networks"] is True
    assert conf["auth"]["admin_username"] == "admin" and conf["auth"]["admin_project_name"] == "admin"
    assert conf["identity"] == {
        "uri_v3": "https://172.29.239.10:5000/v3",
        "region": "RegionOne",
        "v3_endpoint_type": "public",
        "disable_ssl_certificate_validation": False,
        "ca_certificates_file": "/repo/inventories/aio/pki/ca.crt",
    }
    assert conf["compute"]["image_ref"] == conf["compute"]["image_ref_alt"] == "img-1"
    assert "min_microversion" not in conf["compute"]  # the range unknown: Tempest's default
    assert (conf["compute"]["flavor_ref"], conf["compute"]["flavor_ref_alt"]) == ("f-tiny", "f-small")
    assert conf["compute-feature-enabled"]["console_output"] is True
    # One compute host: nothing moves servers between hosts.
    assert not any(conf["compute-feature-enabled"][k] for k in ("resize", "cold_migration", "live_migration"))
    assert conf["compute"]["min_compute_nodes"] == 1
    assert conf["network"]["public_network_id"] == "net-public"
    assert conf["network"]["floating_network_name"] == "public"
    assert conf["network"]["project_network_cidr"] == "10.100.0.0/16"
    features = conf["network-feature-enabled"]
    assert features["ipv6"] is True and features["port_security"] is True and features["floating_ips"] is True
    assert features["api_extensions"] == ["external-net", "port-security", "router", "security-group"]
    validation = conf["validation"]
    assert validation["run_validation"] is True
    assert (validation["connect_method"], validation["auth_method"]) == ("floating", "keypair")
    assert validation["image_ssh_user"] == validation["image_alt_ssh_user"] == "root"
    assert conf["scenario"]["img_file"] == "/state/guest/stackwright-guest-abc.qcow2"
    assert conf["dashboard"]["dashboard_url"] == "https://172.29.239.10:8080/"
    # Never the internet: the image URLs tempest may hand glance are on loopback.
    assert all(conf["image"][k].startswith("http://127.0.0.1:") for k in ("http_image", "http_qcow2_image"))
    assert conf["DEFAULT"]["log_dir"] == str(tmp_path / "logs")
    assert tempest.missing(facts()) == []


def test_config_renders_for_oslo_config(tmp_path):
    text = tempest.render(tempest.build_config(facts(), tmp_path))
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    assert parser["service_available"]["nova"] == "true"
    assert parser["service_available"]["swift"] == "false"
    assert (
        parser["network-feature-enabled"]["api_extensions"]
        == "external-net,port-security,router,security-group"
    )
    assert parser["auth"]["admin_password"] == "pa$$$$word"  # noqa: S105 - oslo.config reads $$ as $
    with pytest.raises(tempest.TempestError, match="line break"):
        tempest.render({"auth": {"admin_password": "a\nb"}})


def test_config_follows_the_cloud(tmp_path):
    # Keystone and glance only: no compute/network sections, nothing to validate over SSH.
    conf = tempest.build_config(
        facts(catalog=CATALOG[:3], dashboard_url=None, guest_image_file=None), tmp_path
    )
    assert not {"compute", "compute-feature-enabled", "network", "network-feature-enabled"} & set(conf)
    assert not {"scenario", "dashboard", "volume", "volume-feature-enabled"} & set(conf)
    assert conf["validation"]["run_validation"] is False
    # Block storage in the catalog (under its alias): the volume sections, RBD's protocol.
    volumes = tempest.build_config(
        facts(catalog=[*CATALOG, service("volumev3", 8776, "/v3/%(project_id)s")]), tmp_path
    )
    assert volumes["service_available"]["cinder"] is True
    assert volumes["volume"]["storage_protocol"] == "ceph"
    assert volumes["volume-feature-enabled"]["backup"] is False
    assert conf["auth"]["create_isolated_networks"] is False
    # Two compute hosts: servers can move.
    moving = tempest.build_config(facts(compute_hosts=2), tmp_path)["compute-feature-enabled"]
    assert moving["resize"] and moving["cold_migration"] and moving["live_migration"]
    # No external network: no floating IPs, so no validation either.
    no_public = tempest.build_config(facts(public_network_id=None), tmp_path)
    assert no_public["validation"]["run_validation"] is False
    assert no_public["network-feature-enabled"]["floating_ips"] is False
    # An identity endpoint without the version.
    catalog = [service("identity", 5000), *CATALOG[1:]]
    assert tempest.identity_v3(facts(catalog=catalog)) == "https://172.29.239.10:5000/v3"


def test_missing_prerequisites_are_named():
    assert tempest.missing(facts(image_id=None, flavor_ids=("f-tiny", None), public_network_id=None)) == [
        "image stackwright-guest (made after the deploy from `stackwright image guest`)",
        "flavor m1.small",
        "the external network public",
    ]
    assert "iputils-ping" in tempest.missing(facts(ping=False))[0]
    assert tempest.missing(facts(compute_hosts=0)) == ["a compute host (no hypervisor is registered)"]
    # Without compute and network, neither image, flavors nor network are needed.
    assert (
        tempest.missing(facts(catalog=CATALOG[:3], image_id=None, flavor_ids=(None, None), ping=False)) == []
    )


def test_config_file_is_private(tmp_path):
    path = tempest.write_config(facts(), tmp_path)
    assert path == tmp_path / "etc" / "tempest.conf"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# --- the lock and the venv ---------------------------------------------------------------------


def test_shipped_lock_matches_its_requirements():
    lock = tempest.LOCK.read_text()
    header = lock.splitlines()[0]
    assert f"Python {tempest.PYTHON}" in header
    assert release.load(release.DEFAULT_RELEASE).exclude_newer in header
    pins = dict(line.split("==") for line in lock.splitlines() if "==" in line and not line.startswith("#"))
    wanted = [
        line for line in tempest.REQUIREMENTS.read_text().splitlines() if line and not line.startswith("#")
    ]
    assert wanted == ["tempest==47.*"]
    assert pins["tempest"].startswith("47.")
    assert {"stestr", "python-subunit", "paramiko"} <= set(pins)


FAKE_UV = """#!/bin/sh
echo "$*" >> {log}
case "$1" in
venv) mkdir -p "$6/bin" && touch "$6/bin/python" ;;
pip) [ "$2" = compile ] && echo "tempest==47.0.0" && exit 0
     touch "$(dirname "$5")/tempest" ;;
esac
"""


def fake_uv(tmp_path: Path) -> tuple[str, Path]:
    log = tmp_path / "uv.log"
    uv = tmp_path / "uv"
    uv.write_text(FAKE_UV.format(log=log))
    uv.chmod(0o755)
    return str(uv), log


def test_venv_is_built_only_when_the_lock_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(tempest, "PYTHON", f"{sys.version_info.major}.{sys.version_info.minor}")
    uv, log = fake_uv(tmp_path)
    lock = tmp_path / "tempest.txt"
    lock.write_text("tempest==47.0.0\n")
    venv = tmp_path / "venv"
    assert tempest.ensure_venv(lock, venv, log=lambda _: None, uv=uv) == (venv, True)
    calls = log.read_text().splitlines()
    assert calls[0].startswith("venv --clear --quiet --python ")
    assert calls[1] == f"pip sync --quiet --python {venv}/bin/python {lock}"
    assert (venv / tempest.MARKER).read_text().strip() == release.lock_digest(lock.read_text())
    assert tempest.ensure_venv(lock, venv, log=lambda _: None, uv=uv) == (venv, False)
    assert len(log.read_text().splitlines()) == 2
    lock.write_text("tempest==47.0.1\n")
    assert tempest.ensure_venv(lock, venv, log=lambda _: None, uv=uv) == (venv, True)
    assert len(log.read_text().splitlines()) == 4


def test_venv_refuses_another_python(tmp_path, monkeypatch):
    monkeypatch.setattr(tempest, "PYTHON", "2.7")
    lock = tmp_path / "tempest.txt"
    lock.write_text("tempest==47.0.0\n")
    with pytest.raises(tempest.TempestError, match=r"resolved for Python 2\.7"):
        tempest.ensure_venv(lock, tmp_path / "venv", uv="/nonexistent/uv")


def test_lock_writes_header_and_pins(tmp_path):
    uv, log = fake_uv(tmp_path)
    requirements = tmp_path / "tempest.in"
    requirements.write_text("tempest==47.*\n")
    out = tempest.lock(uv, requirements, tmp_path / "deploy-host" / "tempest.txt")
    header, pins = out.read_text().splitlines()
    assert header.startswith("# deploy-host tempest: generated by `python -m stackwright.tempest lock`")
    assert pins == "tempest==47.0.0"
    call = log.read_text().split()
    assert call[call.index("--python-version") + 1] == tempest.PYTHON
    assert call[call.index("--exclude-newer") + 1] == release.load(release.DEFAULT_RELEASE).exclude_newer


def test_report_lists_every_skip_and_failure(tmp_path):
    summary = tempest.parse(SAMPLE, LISTED)
    result = tempest.RunResult(summary, 12.0, LISTED, tmp_path, tmp_path, tmp_path, False, facts())
    text = tempest.report(result)
    assert text.splitlines()[0] == "tempest: 2 passed, 3 skipped, 6 failed of 11 selected tests in 12 s"
    assert (
        "  skip setUpClass (tempest.api.compute.flavors.test_flavors.FlavorsV2TestJSON) (2 tests): "
        "Nova is not available" in text
    )
    assert sum(line.startswith("  FAIL ") for line in text.splitlines()) == 3


def test_excluded_tests_are_skips_with_their_reason():
    roles = LISTED[3]
    summary = tempest.parse(SAMPLE, LISTED, {roles: "known defect: metadata"})
    assert (summary.passed, summary.skipped, summary.failed) == (2, 4, 5)
    assert tempest.Skip(roles, "excluded from the run: known defect: metadata") in summary.skips
    assert all(f.test_id != roles for f in summary.failures)
