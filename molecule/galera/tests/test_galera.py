"""MariaDB Galera on three lab nodes: formed, serving, surviving a lost member, a full outage and a
restore. Cluster-level tests talk to the nodes over SSH; figures are printed (pytest -s shows them)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from stackwright import labtest, paths

NODES = {"db1": "172.29.246.11", "db2": "172.29.246.12", "db3": "172.29.246.13"}
LAB = "mol-galera"
INVENTORY = paths.REPO / "molecule" / "galera" / "inventory"
PASSWORD = yaml.safe_load((INVENTORY / "group_vars" / "all" / "main.yml").read_text())["galera_test_password"]
VIP = "172.29.246.10"
# Clients write through the VIP (haproxy sends them to one synced member).
TARGET = VIP
CLIENT = f"mariadb -h {TARGET} -u verify -p{PASSWORD} verify"


def ssh(name):
    return labtest.node(LAB, NODES[name])


def sql(name, query):
    return ssh(name).check_output(f"mariadb --batch --skip-column-names -e {shlex.quote(query)}")


def figure(label, value):
    sys.stdout.write(f"\nFIGURE galera {label}: {value}\n")


def wsrep(name, var):
    return sql(name, f"SHOW GLOBAL STATUS LIKE '{var}'").split("\t")[1]


def wait_cluster(size=3, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if all(
                wsrep(n, "wsrep_cluster_size") == str(size)
                and wsrep(n, "wsrep_local_state_comment") == "Synced"
                for n in NODES
            ):
                return
        except (AssertionError, IndexError, RuntimeError):
            pass
        time.sleep(1)
    raise AssertionError(f"cluster not back to {size} synced members in {timeout} s")


def fingerprint(name):
    """Row count and table checksum of the test table on one member."""
    count = sql(name, "SELECT COUNT(*) FROM verify.writes")
    checksum = sql(name, "CHECKSUM TABLE verify.writes EXTENDED").split("\t")[1]
    return count, checksum


def playbook(name, check=True):
    env = {**os.environ, "ANSIBLE_CONFIG": str(paths.ANSIBLE_CFG), "ANSIBLE_NOCOLOR": "1"}
    proc = subprocess.run(
        [paths.tool("ansible-playbook"), "-i", str(INVENTORY), str(paths.PLAYBOOKS / name)],
        cwd=paths.REPO, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    if check:
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    return proc


def test_member(host):
    name = host.backend.host
    node = ssh(name)
    assert node.service("mariadb").is_enabled and node.service("mariadb").is_running
    assert node.socket(f"tcp://{NODES[name]}:3306").is_listening
    assert not node.socket("tcp://0.0.0.0:3306").is_listening
    health = node.check_output(f"curl -s -o /dev/null -w '%{{http_code}}' http://{NODES[name]}:9200/")
    assert health == "200"
    assert node.file("/etc/systemd/system/mariadb-check.socket").exists
    assert node.service("haproxy").is_running


def test_vip_serves_the_cluster():
    out = ssh("db3").check_output(f"{CLIENT} --batch --skip-column-names -e 'SELECT @@hostname'")
    assert out == "db1"  # the first member takes the writes while it is synced


def test_cluster_formed_with_the_service_account():
    wait_cluster()
    for name in NODES:
        assert wsrep(name, "wsrep_cluster_status") == "Primary"
    # The account the database interface made, from another member over the network.
    out = ssh("db2").check_output(f"{CLIENT} --batch --skip-column-names -e 'SELECT DATABASE()'")
    assert out == "verify"
    sql(
        "db1",
        "CREATE TABLE IF NOT EXISTS verify.writes (id INT AUTO_INCREMENT PRIMARY KEY, v VARCHAR(64), n INT)",
    )


def writer(seconds, tag):
    """A client on db2 writing through TARGET for SECONDS, one connection and transaction per row,
    logging OK or FAIL for each (a real client reconnects the same way)."""
    script = (
        f"end=$(($(date +%s)+{seconds})); i=0; while [ $(date +%s) -lt $end ]; do i=$((i+1)); "
        f"if {CLIENT} --connect-timeout=3 -e \"INSERT INTO writes (v, n) VALUES ('{tag}', $i)\"; "
        "then echo OK $i; else echo FAIL $i; fi; sleep 0.05; done; echo DONE"
    )
    ssh("db2").check_output(f"nohup sh -c {shlex.quote(script)} > /tmp/writer-{tag}.log 2>&1 &")


def wait_writer(tag, timeout=600):
    """(successful writes, failed writes, last outcome) once the writer is done."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log = ssh("db2").check_output(f"cat /tmp/writer-{tag}.log")
        if "DONE" in log:
            outcomes = [line.split()[0] for line in log.splitlines() if line.startswith(("OK ", "FAIL "))]
            return outcomes.count("OK"), outcomes.count("FAIL"), outcomes[-1]
        time.sleep(2)
    raise AssertionError("writer did not finish")


def rows(tag):
    return int(sql("db1", f"SELECT COUNT(*) FROM verify.writes WHERE v = '{tag}'"))


def test_member_lost_while_writing_then_rejoins():
    # db1 is the member haproxy writes to: losing it is the case that matters.
    writer(60, "loss")
    time.sleep(3)
    ssh("db1").check_output("systemctl stop mariadb")
    time.sleep(6)
    assert wsrep("db2", "wsrep_cluster_size") == "2"
    start = time.monotonic()
    ssh("db1").check_output("systemctl start mariadb")
    wait_cluster()
    figure("rejoin s", f"{time.monotonic() - start:.1f}")
    ok, failed, last = wait_writer("loss")
    figure(
        "writes through the VIP while the written-to member went down and back (ok/failed)", f"{ok}/{failed}"
    )
    # Only writes in flight while haproxy noticed the loss may fail; the loop carried on and
    # writes succeed again at the end.
    assert ok > 0 and failed <= max(5, (ok + failed) // 10) and last == "OK"
    prints = {name: fingerprint(name) for name in NODES}
    assert len(set(prints.values())) == 1, prints
    # Every write that succeeded is on every member (one whose reply was lost may be there too).
    assert ok <= rows("loss") <= ok + failed


def test_full_outage_is_refused_by_deploy_and_recovered_by_the_playbook():
    before = fingerprint("db1")
    # Power loss on every member: no clean shutdown, so no member knows its position.
    for name in NODES:
        ssh(name).check_output("systemctl kill -s KILL mariadb && systemctl stop mariadb")
    for name in NODES:
        assert "seqno:   -1" in ssh(name).check_output("cat /var/lib/mysql/grastate.dat")
    refused = playbook("mariadb.yml", check=False)
    assert refused.returncode != 0 and "mariadb-recover.yml" in refused.stdout
    start = time.monotonic()
    out = playbook("mariadb-recover.yml").stdout
    figure("recovery s", f"{time.monotonic() - start:.1f}")
    assert "highest committed seqno" in out
    wait_cluster()
    for name in NODES:
        assert fingerprint(name) == before
        assert ssh(name).run("ls -d /var/lib/mysql.before-recovery-*").rc == 0
    figure("rows after recovery", before[0])


def test_backup_then_restore():
    node = ssh("db1")
    node.check_output("systemctl start mariadb-backup@full.service")
    writer(5, "after-full")
    assert wait_writer("after-full")[1] == 0
    node.check_output("systemctl start mariadb-backup@incremental.service")
    backed_up = fingerprint("db1")
    writer(5, "after-backup")
    assert wait_writer("after-backup")[1] == 0
    assert fingerprint("db1") != backed_up
    start = time.monotonic()
    playbook("mariadb-restore.yml")
    figure("restore s", f"{time.monotonic() - start:.1f}")
    wait_cluster()
    for name in NODES:
        assert fingerprint(name) == backed_up
        assert ssh(name).run("ls -d /var/lib/mysql.before-restore-*").rc == 0
    figure("rows after restore", backed_up[0])


@pytest.fixture(autouse=True, scope="module")
def _inventory_exists():
    assert Path(INVENTORY / "hosts.yml").exists()
