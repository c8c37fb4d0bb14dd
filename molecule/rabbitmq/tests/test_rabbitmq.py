"""Verify the rabbitmq role on a three-node cluster, and that it loses no message when a node fails."""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
import time
from pathlib import Path

import pytest
import yaml

from stackwright import labtest

PEERS = {"mq1": "172.29.247.11", "mq2": "172.29.247.12", "mq3": "172.29.247.13"}
NODES = sorted(f"rabbit@{name}" for name in PEERS)
LAB = "mol-rabbitmq"
GROUP_VARS = Path(__file__).resolve().parents[1] / "inventory" / "group_vars" / "all"
CLIENT = Path(__file__).with_name("amqp_client.py")
CA = "/etc/stackwright/pki/ca.crt"
# Bound to the management address only (epmd also to loopback, where the local node registers).
PORTS = {4369: "epmd", 5671: "amqps", 5672: "amqp", 15672: "management", 25672: "distribution"}
MESSAGES = 500
WHILE_DOWN = 250
TIMEOUT = 180


def vars_file(name: str) -> dict:
    return yaml.safe_load((GROUP_VARS / name).read_text())


def ssh(name: str):
    """A lab node over plain SSH with the lab's key: multiplexed, not an Ansible run per check."""
    return labtest.node(LAB, PEERS[name])


@pytest.fixture
def node(name):
    return ssh(name)


def ctl_json(node, *args: str):
    return json.loads(node.check_output(shlex.join(["rabbitmqctl", "-q", *args, "--formatter", "json"])))


def cluster(node) -> dict:
    return ctl_json(node, "cluster_status")


def queue_info(node, queue: str) -> dict:
    # (Its message counts are sampled every few seconds: the client counts messages instead.)
    queues = ctl_json(node, "list_queues", "-p", "verify", "name", "type", "leader", "members", "online")
    return next(q for q in queues if q["name"] == queue)


def wait_for(what: str, check, timeout: float = TIMEOUT, interval: float = 1.0):
    """Poll CHECK until it returns something true; return that and the seconds it took."""
    start = time.monotonic()
    while True:
        try:
            result = check()
        except (AssertionError, RuntimeError, StopIteration, ValueError):
            result = None
        if result:
            return result, time.monotonic() - start
        if time.monotonic() - start > timeout:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def test_service_running_and_enabled(node):
    service = node.service("rabbitmq-server")
    assert service.is_running and service.is_enabled
    assert node.service("epmd.socket").is_running


def test_cluster_of_three_running_nodes(node):
    status = cluster(node)
    assert sorted(status["running_nodes"]) == NODES
    assert sorted(status["disk_nodes"]) == NODES
    assert status["partitions"] == {}
    assert status["alarms"] == []


def test_default_queue_type_is_quorum(node):
    assert node.file("/etc/rabbitmq/rabbitmq.conf").contains("^default_queue_type = quorum$")
    vhosts = {
        v["name"]: v["default_queue_type"]
        for v in ctl_json(node, "list_vhosts", "name", "default_queue_type")
    }
    assert vhosts == {"/": "quorum", "verify": "quorum"}


def test_listeners_bound_to_the_management_address(node, name):
    address = PEERS[name]
    listening: dict[int, set[str]] = {}
    for line in node.check_output("ss -ltnH").splitlines():
        local = line.split()[3]
        host, _, port = local.rpartition(":")
        listening.setdefault(int(port), set()).add(host)
    for port, what in PORTS.items():
        allowed = {address, "127.0.0.1"} if what == "epmd" else {address}
        assert listening.get(port), f"nothing listens on {port} ({what})"
        assert listening[port] <= allowed, f"{what} listens on {listening[port]}"
    # RabbitMQ's own view: AMQPS is TLS on 5671, management on 15672.
    protocols = node.check_output("rabbitmq-diagnostics -q listeners")
    assert f"{address}, port: 5671, protocol: amqp/ssl" in protocols
    assert f"{address}, port: 15672, protocol: http" in protocols


@pytest.mark.parametrize("peer", list(PEERS))
def test_tls_listener_verifies_against_the_ca(node, name, peer):
    """From every node to every node: the certificate chains to the CA and names the node."""
    if peer == name:
        pytest.skip("checked from the other nodes")
    out = node.run(
        f"openssl s_client -connect {PEERS[peer]}:5671 -servername {peer} -verify_hostname {peer} "
        f"-CAfile {CA} -verify_return_error -brief </dev/null"
    )
    assert out.rc == 0, out.stderr
    assert "Verification: OK" in out.stderr
    assert "Protocol version: TLSv1.3" in out.stderr


def test_plain_amqp_is_not_reachable_on_loopback(node):
    assert node.run("timeout 5 bash -c 'echo > /dev/tcp/127.0.0.1/5672'").rc != 0


def test_management_api_with_the_admin(node, name):
    password = vars_file("secrets.yml")["rabbitmq_admin_password"]
    config = f'user = "admin:{password}"'
    out = node.check_output(
        f"printf '%s\\n' {shlex.quote(config)} | curl -sf -K - http://{PEERS[name]}:15672/api/overview"
    )
    overview = json.loads(out)
    assert overview["cluster_name"]
    assert overview["node"] == f"rabbit@{name}"


def test_users_guest_removed_admin_present(node):
    users = {u["user"]: u["tags"] for u in ctl_json(node, "list_users")}
    assert "guest" not in users
    assert users["admin"] == ["administrator"]
    assert users["verify"] == []


def test_vhost_user_permissions(node):
    permissions = ctl_json(node, "list_permissions", "-p", "verify")
    assert permissions == [{"user": "verify", "configure": ".*", "write": ".*", "read": ".*"}]
    password = vars_file("main.yml")["rabbitmq_test_verify_password"]
    ok = node.run(f"printf '%s\\n' {shlex.quote(password)} | rabbitmqctl authenticate_user verify")
    assert ok.rc == 0, ok.stderr
    wrong = node.run("printf 'not-the-password\\n' | rabbitmqctl authenticate_user verify")
    assert wrong.rc != 0


def test_secrets_and_tls_key_access(node):
    cookie = node.file("/var/lib/rabbitmq/.erlang.cookie")
    assert cookie.user == "rabbitmq" and cookie.mode == 0o400
    expected = hashlib.sha256(vars_file("secrets.yml")["rabbitmq_erlang_cookie"].encode()).hexdigest()
    assert cookie.sha256sum == expected
    assert "stackwright-pki" in node.check_output("id -nG rabbitmq").split()
    assert node.run("runuser -u rabbitmq -- head -c1 /etc/stackwright/pki/host.key").rc == 0


def test_no_failed_units(node):
    assert node.check_output("systemctl --failed --no-legend --plain") == ""


def install_client(node) -> None:
    out = node.run("DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-pika")
    assert out.rc == 0, out.stdout + out.stderr
    encoded = base64.b64encode(CLIENT.read_bytes()).decode()
    node.check_output(f"echo {encoded} | base64 -d > /root/amqp_client.py")


def amqp(node, target: str, *args: str) -> dict:
    """Run the AMQP client on NODE against TARGET (a node name) as the verify user."""
    env = {
        "AMQP_USER": "verify",
        "AMQP_PASSWORD": vars_file("main.yml")["rabbitmq_test_verify_password"],
        "AMQP_VHOST": "verify",
    }
    prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    cmd = f"{prefix} python3 /root/amqp_client.py {shlex.join([target, *args])}"
    out = node.run(cmd)
    assert out.rc == 0, out.stdout + out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def new_leader(node, queue: str, old: str) -> dict | None:
    info = queue_info(node, queue)
    moved = info["leader"] != f"rabbit@{old}" and f"rabbit@{old}" not in info["online"]
    return info if moved else None


def is_active(node) -> bool:
    return node.run("systemctl is-active --quiet rabbitmq-server").rc == 0


# stop: systemctl stop (a clean shutdown), then started again by hand.
# crash: SIGKILL to the whole node, which systemd restarts by itself (Restart=on-failure).
FAILURES = {
    "stop": "systemctl stop rabbitmq-server",
    "crash": "systemctl kill --signal=KILL rabbitmq-server",
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_no_message_lost_when_a_node_fails(name, failure):
    """Persistent, confirmed messages in a quorum queue survive the loss of its leader's node.

    Publish, take down the node holding the queue's leader, check the queue elected another
    leader and still holds every message, publish more while the node is down, bring it back,
    wait until it is in the cluster and the queue again, then consume everything from that node.
    """
    if name != "mq1":
        pytest.skip("runs once, for the whole cluster")
    nodes = {n: ssh(n) for n in PEERS}
    for node in nodes.values():
        install_client(node)
    queue = f"failover-{failure}"
    amqp(nodes["mq1"], "mq1", "delete", queue)

    published = amqp(nodes["mq1"], "mq1", "publish", queue, "0", str(MESSAGES))
    info = queue_info(nodes["mq1"], queue)
    assert info["type"] == "quorum", "declared without a type: the vhost default applies"
    assert sorted(info["members"]) == NODES and sorted(info["online"]) == NODES
    assert amqp(nodes["mq1"], "mq1", "count", queue) == {"messages": MESSAGES}

    victim = info["leader"].split("@", 1)[1]
    survivor = next(n for n in PEERS if n != victim)
    failed_at = time.monotonic()
    nodes[victim].check_output(FAILURES[failure])
    down_seconds = time.monotonic() - failed_at
    try:
        info, election = wait_for(
            "a new leader on the surviving nodes", lambda: new_leader(nodes[survivor], queue, victim)
        )
        election += down_seconds
        assert amqp(nodes[survivor], survivor, "count", queue) == {"messages": MESSAGES}
        while_down = amqp(nodes[survivor], survivor, "publish", queue, str(MESSAGES), str(WHILE_DOWN))
        still_down = f"rabbit@{victim}" not in cluster(nodes[survivor])["running_nodes"]
        assert amqp(nodes[survivor], survivor, "count", queue) == {"messages": MESSAGES + WHILE_DOWN}
        if failure == "stop":
            assert still_down and not is_active(nodes[victim])
            restart_from = time.monotonic()
            nodes[victim].check_output("systemctl start rabbitmq-server")
        else:
            restart_from = failed_at
    finally:
        # Whatever failed above, the node does not stay down for the tests after this one.
        if not is_active(nodes[victim]):
            wait_for("systemd to restart the node", lambda: is_active(nodes[victim]), timeout=30)
    wait_for(
        "the node back in the cluster and in the queue",
        lambda: (
            sorted(cluster(nodes[survivor])["running_nodes"]) == NODES
            and sorted(queue_info(nodes[survivor], queue)["online"]) == NODES
        ),
    )
    back = time.monotonic() - restart_from

    # Everything comes back, through the node that was down.
    consumed = amqp(nodes[victim], victim, "consume", queue)
    assert consumed["received"] == MESSAGES + WHILE_DOWN, consumed
    assert consumed["unique"] == MESSAGES + WHILE_DOWN, consumed
    assert (consumed["first"], consumed["last"]) == (0, MESSAGES + WHILE_DOWN - 1)
    assert consumed["corrupt"] == 0 and consumed["left"] == 0
    assert consumed["in_order"], "a quorum queue delivers in publishing order"
    amqp(nodes["mq1"], "mq1", "delete", queue)
    how = "started by hand" if failure == "stop" else "restarted by systemd"
    print(
        f"\n{failure} figures: {MESSAGES} published in {published['seconds']} s; "
        f"`{FAILURES[failure]}` on {victim} (the queue's leader) took {down_seconds:.1f} s; "
        f"new leader {info['leader']} {election:.1f} s after it; {WHILE_DOWN} published in "
        f"{while_down['seconds']} s while {victim} was {'down' if still_down else 'already back'}; "
        f"{victim} {how}, back in the cluster and the queue {back:.1f} s after "
        f"{'the start command' if failure == 'stop' else 'the crash'}; {consumed['received']} consumed "
        f"from {victim} in {consumed['seconds']} s: none lost, none corrupt, "
        f"{consumed['redelivered']} redelivered"
    )
    lost = MESSAGES + WHILE_DOWN - consumed["unique"]
    print(f"\nFIGURE rmq {failure}: leader {election:.1f}s, back {back:.1f}s, {lost} lost")
