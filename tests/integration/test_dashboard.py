"""The dashboard (horizon) of the AIO cloud, as a user reaches it: over https on the public VIP,
with the deployment CA; then a tenant user logs in with headless Chromium and the project's pages
load. With compute in the catalog, the instances page lists the project's servers (one is booted
for the test when an image, a flavor and networking are there too).

Chromium is driven through chromedriver's W3C WebDriver protocol (plain HTTP on loopback, no
Python dependency). Only lab addresses (172.29.x.x) and loopback are contacted: Chromium resolves
no name at all, runs no background networking, and trusts exactly the certificate the VIP
presents once Python has verified it against the deployment CA.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.cookiejar
import ipaddress
import json
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import yaml

from .conftest import REPO, cloud_connection, figure

pytestmark = pytest.mark.lab

AIO = REPO / "inventories" / "aio"
CA = AIO / "pki" / "ca.crt"
PORT = 443  # the dashboard's port on the VIPs (roles/horizon)
LAB = ipaddress.ip_network("172.29.0.0/16")
WAIT = 60  # seconds for a page of the dashboard
GUEST_IMAGE = "stackwright-guest"
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
CHROMEDRIVER = "chromedriver"
# Everything that would make Chromium talk to anything but the dashboard: no name resolution at
# all (the dashboard is reached by address), no proxy, no background or component traffic.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 172.29.*",
    "--window-size=1280,1024",
]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # W3C WebDriver's key of an element reference


# --- the dashboard's address, over TLS with the deployment CA ------------------------------------------
def public_vip() -> str:
    for name in ("main.yml", "lab.yml"):
        path = AIO / "group_vars" / "all" / name
        data = yaml.safe_load(path.read_text()) if path.exists() else None
        if data and data.get("external_vip_address"):
            return str(data["external_vip_address"])
    pytest.skip("inventories/aio has no external_vip_address")
    return ""  # not reached


def tls_context() -> ssl.SSLContext:
    """Trusts the deployment CA and nothing else (not the system store)."""
    return ssl.create_default_context(cafile=str(CA))


@pytest.fixture(scope="module")
def dashboard(aio_cloud) -> str:
    """The dashboard's URL on the public VIP; skips when it is not a lab address."""
    if not CA.exists():
        pytest.skip(f"no deployment CA at {CA.relative_to(REPO)}")
    vip = public_vip()
    if ipaddress.ip_address(vip) not in LAB:
        pytest.skip(f"the public VIP {vip} is not a lab address")
    return f"https://{vip}/" if PORT == 443 else f"https://{vip}:{PORT}/"


class Forms(HTMLParser):
    """The input fields, links and stylesheets of a page."""

    def __init__(self):
        super().__init__()
        self.inputs: dict[str, dict] = {}
        self.stylesheets: list[str] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.inputs[attrs["name"]] = attrs
        elif tag == "link" and attrs.get("rel") == "stylesheet" and attrs.get("href"):
            self.stylesheets.append(attrs["href"])
        elif tag == "title":
            self._in_title = True

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data


def test_login_page_over_https(dashboard):
    """The VIP's certificate verifies against the deployment CA; / leads to the login form, whose
    CSRF cookie is Secure, and its compressed stylesheets are served."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=tls_context()), urllib.request.HTTPCookieProcessor(jar)
    )
    start = time.monotonic()
    with opener.open(dashboard, timeout=WAIT) as response:
        assert response.status == 200
        final = response.url
        page = response.read().decode()
    figure("dashboard login page", time.monotonic() - start)
    assert urlsplit(final).path == "/auth/login/", final
    form = Forms()
    form.feed(page)
    assert "Login" in form.title, form.title
    assert {"username", "password", "csrfmiddlewaretoken"} <= set(form.inputs), sorted(form.inputs)
    csrf = [c for c in jar if c.name == "csrftoken"]
    assert csrf and all(c.secure for c in csrf), "the CSRF cookie must be Secure (TLS through haproxy)"

    assert form.stylesheets, "the login page links no stylesheet"
    for href in form.stylesheets:
        # Offline compression: one compressed file per theme, under STATIC_URL.
        assert href.startswith("/static/"), href
        with opener.open(urljoin(final, href), timeout=WAIT) as css:
            assert css.status == 200 and css.headers.get_content_type() == "text/css", href
            assert len(css.read()) > 1000, href


# --- a tenant user ----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def admin():
    return cloud_connection()


@pytest.fixture(scope="module")
def tenant(admin):
    """A project and a user with the member role in it; removed afterwards."""
    name = f"sw-it-dash-{secrets.token_hex(4)}"
    password = secrets.token_urlsafe(24)
    domain = admin.identity.find_domain("Default", ignore_missing=False)
    project = admin.identity.create_project(name=name, domain_id=domain.id, description="test_dashboard")
    user = None
    try:
        user = admin.identity.create_user(
            name=name, password=password, domain_id=domain.id, default_project_id=project.id
        )
        role = admin.identity.find_role("member", ignore_missing=False)
        admin.identity.assign_project_role_to_user(project, user, role)
        yield {"name": name, "password": password, "project": project, "user": user}
    finally:
        if user is not None:
            admin.identity.delete_user(user, ignore_missing=True)
        admin.identity.delete_project(project, ignore_missing=True)


@pytest.fixture(scope="module")
def tenant_cloud(admin, tenant):
    """An openstacksdk connection as the tenant user, with the deployment CA."""
    from openstack import connection  # noqa: PLC0415 - only the cloud tests need the SDK

    auth_url = admin.session.get_endpoint(service_type="identity", interface="public")
    return connection.Connection(
        auth={
            "auth_url": auth_url,
            "username": tenant["name"],
            "password": tenant["password"],
            "project_name": tenant["name"],
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        interface="public",
        region_name=admin.config.get_region_name(),
        cacert=str(CA),
        identity_api_version="3",
    )


# --- Chromium through chromedriver ----------------------------------------------------------------------
class WebDriverError(Exception):
    pass


class Browser:
    """A W3C WebDriver session on chromedriver (loopback HTTP): the few commands the tests need."""

    def __init__(self, endpoint: str, chromium: str, flags: list[str]):
        self.endpoint = endpoint
        capabilities = {"browserName": "chrome", "goog:chromeOptions": {"binary": chromium, "args": flags}}
        value = self._request("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.session = value["sessionId"]

    def _request(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - chromedriver on loopback
            self.endpoint + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            # Only chromedriver on loopback (http://127.0.0.1:<port>), never a URL from elsewhere.
            with urllib.request.urlopen(request, timeout=WAIT + 30) as response:  # noqa: S310
                return json.loads(response.read() or b"{}").get("value")
        except urllib.error.HTTPError as err:
            detail = json.loads(err.read() or b"{}").get("value", {})
            raise WebDriverError(f"{method} {path}: {detail.get('error')}: {detail.get('message')}") from err

    def command(self, method: str, path: str, body: dict | None = None):
        return self._request(method, f"/session/{self.session}{path}", body)

    def get(self, url: str) -> None:
        self.command("POST", "/url", {"url": url})

    @property
    def url(self) -> str:
        return self.command("GET", "/url")

    @property
    def title(self) -> str:
        return self.command("GET", "/title")

    def find(self, css: str) -> str:
        return self.command("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def texts(self, css: str) -> list[str]:
        script = "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.innerText.trim());"
        return self.command("POST", "/execute/sync", {"script": script, "args": [css]})

    def type(self, css: str, text: str) -> None:
        element = self.find(css)
        self.command("POST", f"/element/{element}/clear", {})
        self.command("POST", f"/element/{element}/value", {"text": text})

    def click(self, css: str) -> None:
        self.command("POST", f"/element/{self.find(css)}/click", {})

    def wait(self, condition, what: str, timeout: float = WAIT):
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(WebDriverError):
                result = condition()
                if result:
                    return result
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout} s for {what}; at {self.url} ({self.title!r})")
            time.sleep(0.5)

    def quit(self) -> None:
        with contextlib.suppress(WebDriverError, OSError):
            self._request("DELETE", f"/session/{self.session}")


def spki_pin(url: str) -> str:
    """The base64 SHA-256 of the public key the server at URL presents, once its certificate has
    been verified against the deployment CA (for --ignore-certificate-errors-spki-list)."""
    from cryptography import x509  # noqa: PLC0415 - a dependency of the project, only needed here
    from cryptography.hazmat.primitives import serialization  # noqa: PLC0415

    parts = urlsplit(url)
    with (
        socket.create_connection((parts.hostname, parts.port or 443), timeout=WAIT) as raw,
        tls_context().wrap_socket(raw, server_hostname=parts.hostname) as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    spki = (
        x509.load_der_x509_certificate(der)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def browser(dashboard, tmp_path_factory):
    chromium = next((path for name in CHROMIUM if (path := shutil.which(name))), None)
    driver = shutil.which(CHROMEDRIVER)
    if not chromium or not driver:
        pytest.skip(
            "no Chromium or chromedriver: install the Debian packages chromium and chromium-driver "
            "(scripts/prepare-host)"
        )
    profile = tmp_path_factory.mktemp("chromium")
    port = free_port()
    log = profile.parent / "chromedriver.log"
    process = subprocess.Popen(
        [driver, f"--port={port}", "--allowed-ips=127.0.0.1", f"--log-path={log}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    session = None
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(endpoint + "/status", timeout=5) as response:  # noqa: S310
                    if json.loads(response.read())["value"].get("ready"):
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"chromedriver did not start (log: {log})"
            time.sleep(0.2)
        flags = [
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--ignore-certificate-errors-spki-list={spki_pin(dashboard)}",
        ]
        session = Browser(endpoint, chromium, flags)
        yield session
    finally:
        if session is not None:
            session.quit()
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def logged_in(dashboard, browser, tenant):
    """The tenant user logged in through the login form; the browser on the page after it."""
    start = time.monotonic()
    browser.get(urljoin(dashboard, "auth/login/"))
    browser.wait(lambda: browser.find("#id_username"), "the login form")
    browser.type("#id_username", tenant["name"])
    browser.type("#id_password", tenant["password"])
    browser.click("#loginBtn")
    browser.wait(lambda: "/auth/login" not in urlsplit(browser.url).path, "the page after the login")
    figure("dashboard login (Chromium)", time.monotonic() - start)
    return browser


def errors(browser: Browser) -> list[str]:
    return [t for t in browser.texts(".alert-danger, .alert-error") if t]


def has_compute(admin) -> bool:
    return any(s["type"] == "compute" for s in admin.service_catalog)


def test_tenant_logs_in(dashboard, logged_in, tenant, admin):
    """The login lands in the dashboard as the tenant user (its name in the navigation, which only
    a signed-in user gets). The landing page, the project overview, needs compute: horizon
    refuses it (403, "Unauthorized") until nova is in the catalog."""
    assert urlsplit(logged_in.url).netloc == urlsplit(dashboard).netloc, logged_in.url
    menu = " ".join(logged_in.texts(".dropdown-toggle, #profile_editor_switcher, .navbar"))
    assert tenant["name"] in menu, f"the user {tenant['name']} is not shown in the navigation: {menu[:300]}"
    if has_compute(admin):
        assert urlsplit(logged_in.url).path.startswith("/project/"), logged_in.url
        assert "Unauthorized" not in logged_in.title, logged_in.title
        assert not errors(logged_in), errors(logged_in)


def test_api_access_lists_the_catalog(dashboard, logged_in, admin):
    """A page that needs only keystone: the project's API access lists the catalog's services."""
    logged_in.get(urljoin(dashboard, "project/api_access/"))
    logged_in.wait(lambda: logged_in.texts("table tbody tr"), "the API access table")
    table = " ".join(logged_in.texts("table tbody tr")).lower()
    for service in ("identity", "image", "orchestration"):
        if any(s["type"] == service for s in admin.service_catalog):
            assert service in table, f"{service} missing from the API access page: {table[:500]}"
    assert not errors(logged_in), errors(logged_in)


@contextlib.contextmanager
def a_server(tenant_cloud, name: str):
    """A server in the tenant's project when an image, a flavor and networking are there (on a
    network of its own); nothing otherwise. Not waited for: listed in any state."""
    cloud = tenant_cloud
    image = cloud.image.find_image(GUEST_IMAGE)
    flavors = sorted(cloud.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk))
    made: list = []
    try:
        if image is None or not flavors or not cloud.has_service("network"):
            yield None
            return
        network = cloud.network.create_network(name=name)
        made.append(("network", network))
        subnet = cloud.network.create_subnet(
            name=name, network_id=network.id, ip_version=4, cidr="192.168.123.0/24"
        )
        made.append(("subnet", subnet))
        server = cloud.compute.create_server(
            name=name, image_id=image.id, flavor_id=flavors[0].id, networks=[{"uuid": network.id}]
        )
        made.append(("server", server))
        yield server
    finally:
        for kind, resource in reversed(made):
            with contextlib.suppress(Exception):
                if kind == "server":
                    cloud.compute.delete_server(resource, ignore_missing=True)
                    cloud.compute.wait_for_delete(resource, wait=300)
                elif kind == "subnet":
                    cloud.network.delete_subnet(resource, ignore_missing=True)
                else:
                    cloud.network.delete_network(resource, ignore_missing=True)


def test_instances_page_lists_the_servers(dashboard, logged_in, admin, tenant_cloud, tenant):
    """With compute in the catalog, the instances page lists exactly the project's servers."""
    if not has_compute(admin):
        pytest.skip("compute is not in the AIO catalog yet (nova is deployed later in the AIO)")
    with a_server(tenant_cloud, f"{tenant['name']}-vm") as server:
        expected = sorted(s.name for s in tenant_cloud.compute.servers())
        if server is not None:
            assert server.name in expected
        logged_in.get(urljoin(dashboard, "project/instances/"))
        logged_in.wait(lambda: logged_in.texts("table#instances tbody tr"), "the instances table")
        assert re.search(r"\bInstances\b", logged_in.title), logged_in.title
        rows = logged_in.texts("table#instances tbody tr")
        if expected:
            listed = " ".join(rows)
            assert all(name in listed for name in expected), (expected, rows)
        else:
            assert len(rows) == 1 and "No items to display" in rows[0], rows
        assert not errors(logged_in), errors(logged_in)
