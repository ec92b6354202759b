"""Static checks of docker-compose.yml, docker/Dockerfile and docker/odoo.conf.

No Docker engine is needed (nor used): the files are parsed and checked against the
repository, the way `docker compose config` and the official images would read them.
"""

import ast
import configparser
import math
import re
import shlex
from pathlib import Path, PurePosixPath

import pytest
import yaml
from manifestoo_core.core_addons import get_core_addons
from manifestoo_core.odoo_series import OdooSeries

REPO_DIR = Path(__file__).resolve().parent.parent
COMPOSE_FILE = REPO_DIR / "docker-compose.yml"
ADDONS_DIR = REPO_DIR / "addons"
HEALTH_PATH = "/api/construction/v1/health"
# Python libraries the official odoo:18 image ships (Odoo's own dependencies).
IN_IMAGE = {"requests"}


@pytest.fixture(scope="module")
def compose():
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and isinstance(data.get("services"), dict)
    return data


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def addon_dirs():
    return sorted(p.parent for p in ADDONS_DIR.glob("*/__manifest__.py"))


def manifests():
    return {
        d.name: ast.literal_eval((d / "__manifest__.py").read_text(encoding="utf-8"))
        for d in addon_dirs()
    }


def service_env(service):
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def parse_volume(spec):
    """(source, target, read_only) of a short- or long-syntax service volume."""
    if isinstance(spec, dict):
        return spec.get("source"), spec["target"], bool(spec.get("read_only"))
    parts = spec.split(":")
    if len(parts) == 1:  # anonymous volume
        return None, parts[0], False
    mode = parts[2] if len(parts) > 2 else ""
    return parts[0], parts[1], "ro" in mode.split(",")


def bind_mounts(service):
    """{container path: (host path, read_only)} of the service's bind mounts."""
    mounts = {}
    for spec in service.get("volumes", []):
        source, target, read_only = parse_volume(spec)
        if source and source.startswith((".", "/", "~")):
            mounts[PurePosixPath(target)] = ((REPO_DIR / source).resolve(), read_only)
    return mounts


def parse_ports(service):
    """[(host_ip, host_port, container_port)] of the service's published ports."""
    ports = []
    for spec in service.get("ports", []):
        if isinstance(spec, dict):
            ports.append(
                (spec.get("host_ip"), str(spec.get("published")), str(spec["target"]))
            )
            continue
        spec = str(spec).split("/")[0]  # drop /tcp
        # [ip:]host:container; an IPv6 address would be in brackets
        match = re.fullmatch(r"(?:(\[[^\]]+\]|[\d.]+):)?(?:(\d+):)?(\d+)", spec)
        assert match, f"cannot parse port {spec!r}"
        ports.append(match.groups())
    return ports


def healthcheck_command(service):
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return test
    assert test[0] in ("CMD", "CMD-SHELL"), test
    return " ".join(test[1:])


def dockerfile_of(service):
    build = service["build"]
    if isinstance(build, str):
        context, dockerfile = build, "Dockerfile"
    else:
        context, dockerfile = (
            build.get("context", "."),
            build.get("dockerfile", "Dockerfile"),
        )
    path = (REPO_DIR / context / dockerfile).resolve()
    assert path.is_file(), f"{path} does not exist"
    return path


def dockerfile_instructions(path):
    """[(INSTRUCTION, arguments)] with continuation lines joined, comments dropped."""
    instructions, current = [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not current and line.lstrip().startswith("#"):
            continue
        current += line.rstrip()
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        if current.strip():
            keyword, _, args = current.strip().partition(" ")
            instructions.append((keyword.upper(), args.strip()))
        current = ""
    return instructions


def odoo_config(services):
    mounts = bind_mounts(services["odoo"])
    conf_path, read_only = mounts[PurePosixPath("/etc/odoo/odoo.conf")]
    assert read_only, "the config should be mounted read-only"
    assert conf_path.is_file(), f"{conf_path} does not exist"
    parser = configparser.ConfigParser(
        interpolation=None, inline_comment_prefixes=None, comment_prefixes=(";", "#")
    )
    parser.read(conf_path, encoding="utf-8")
    return parser


def test_services(services):
    assert {"db", "odoo"} <= set(services)


def test_db_service(services):
    db = services["db"]
    assert re.fullmatch(r"postgres:\d+(\.\d+)?(-\w+)?", db["image"]), db["image"]
    assert db["image"].split(":")[1].split(".")[0].split("-")[0] == "15"
    env = service_env(db)
    assert env["POSTGRES_USER"] == "odoo"
    assert env["POSTGRES_PASSWORD"] == "odoo"
    assert env["POSTGRES_DB"] == "postgres"
    targets = {parse_volume(v)[1] for v in db.get("volumes", [])}
    assert "/var/lib/postgresql/data" in targets, "the database must live in a volume"
    assert "pg_isready" in healthcheck_command(db)


def test_odoo_image_built_from_official_odoo_18(services):
    odoo = services["odoo"]
    assert odoo.get("image"), "name the built image"
    dockerfile = dockerfile_of(odoo)
    froms = [args for kw, args in dockerfile_instructions(dockerfile) if kw == "FROM"]
    assert froms, "no FROM"
    assert froms[0].split()[0] in ("odoo:18", "odoo:18.0"), froms
    # the official image runs Odoo as "odoo": the Dockerfile must give it back
    users = [args for kw, args in dockerfile_instructions(dockerfile) if kw == "USER"]
    assert users and users[-1] == "odoo", users


def test_image_provides_what_the_addons_need(services):
    dockerfile = dockerfile_of(services["odoo"])
    runs = " ".join(
        args for kw, args in dockerfile_instructions(dockerfile) if kw == "RUN"
    )
    local = {d.name for d in addon_dirs()}
    core = get_core_addons(OdooSeries.v18_0)
    needed_addons = {
        dep
        for manifest in manifests().values()
        for dep in manifest["depends"]
        if dep not in core and dep not in local
    }
    assert "queue_job" in needed_addons
    for dep in needed_addons:
        pattern = "odoo-addon-" + re.escape(dep).replace("_", "[_-]")
        assert re.search(pattern, runs), f"{dep} is not installed in {dockerfile}"
    for name, manifest in manifests().items():
        for dep in manifest.get("external_dependencies", {}).get("python", []):
            if dep in IN_IMAGE:
                continue
            assert re.search(rf"\b{re.escape(dep)}\b", runs), (
                f"{name} needs the Python library {dep}: install it in {dockerfile}"
            )


def test_odoo_depends_on_healthy_db(services):
    depends_on = services["odoo"]["depends_on"]
    assert isinstance(depends_on, dict), "use the long syntax, with a condition"
    assert depends_on["db"]["condition"] == "service_healthy"


def test_healthchecks(services):
    for name in ("db", "odoo"):
        healthcheck = services[name].get("healthcheck")
        assert healthcheck and not healthcheck.get("disable"), f"{name}: no healthcheck"
    command = healthcheck_command(services["odoo"])
    assert f"http://localhost:8069{HEALTH_PATH}" in command, command
    assert "curl" in command or "urllib" in command or "wget" in command


def test_ports_bound_to_loopback(services):
    published = 0
    for name, service in services.items():
        for host_ip, _host_port, _container_port in parse_ports(service):
            published += 1
            assert host_ip == "127.0.0.1", (
                f"{name} publishes a port on {host_ip or '*'}"
            )
    assert ("127.0.0.1", "8069", "8069") in parse_ports(services["odoo"])
    assert published


def test_addons_mounted_read_only(services):
    mounts = bind_mounts(services["odoo"])
    source, read_only = mounts[PurePosixPath("/mnt/extra-addons")]
    assert source == ADDONS_DIR.resolve()
    assert read_only


def test_every_addon_reachable_through_the_mount(services):
    mounts = bind_mounts(services["odoo"])
    addons_path = [
        PurePosixPath(p.strip())
        for p in odoo_config(services)["options"]["addons_path"].split(",")
    ]

    def host_path(container_path):
        for target, (source, _ro) in mounts.items():
            if container_path == target or target in container_path.parents:
                return source / container_path.relative_to(target)
        return None

    reachable = set()
    for entry in addons_path:
        host_dir = host_path(entry)
        if host_dir and host_dir.is_dir():
            reachable |= {p.parent.name for p in host_dir.glob("*/__manifest__.py")}
    expected = {d.name for d in addon_dirs()}
    assert expected, "no addon found under addons/"
    assert expected <= reachable, (
        f"not on the addons_path: {sorted(expected - reachable)}"
    )


def test_odoo_config(services):
    config = odoo_config(services)
    options = config["options"]
    assert [p.strip() for p in options["addons_path"].split(",")] == [
        "/mnt/extra-addons"
    ]
    wide = [m.strip() for m in options["server_wide_modules"].split(",")]
    assert {"base", "web", "queue_job", "integration_queue"} <= set(wide)
    assert options["list_db"] == "False"
    assert options["proxy_mode"] == "True"
    assert options["db_host"] == "db"  # the compose service
    db_env = service_env(services["db"])
    assert options["db_user"] == db_env["POSTGRES_USER"]
    assert options["db_password"] == db_env["POSTGRES_PASSWORD"]
    assert options.get("http_port", "8069") == "8069"
    assert config["queue_job"]["channels"] == "root:2"


def test_database_initialised_with_the_suite(services):
    """list_db is off, so nobody can create the database from the browser: the
    container must, or the health route never answers."""
    config = odoo_config(services)["options"]
    db_name = config["db_name"]
    assert db_name and re.fullmatch(config["dbfilter"], db_name)
    command = services["odoo"]["command"]
    if isinstance(command, str):
        command = shlex.split(command)
    init = None
    for i, arg in enumerate(command):
        if arg in ("-i", "--init"):
            init = command[i + 1]
        elif arg.startswith("--init="):
            init = arg.split("=", 1)[1]
    assert init, f"no -i in {command}"
    assert {d.name for d in addon_dirs()} <= set(init.split(","))


# ------------------------------------------------------------------ profile "scale"
SCALE = ("db-replica", "web", "jobs", "proxy")


def conf_of(service, target="/etc/odoo/odoo.conf"):
    path, read_only = bind_mounts(service)[PurePosixPath(target)]
    assert read_only, f"{target} should be mounted read-only"
    parser = configparser.ConfigParser(
        interpolation=None, inline_comment_prefixes=None, comment_prefixes=(";", "#")
    )
    parser.read(path, encoding="utf-8")
    return parser


def declared_channels():
    """Full names of the queue_job channels the addons declare, and the flows'
    default."""
    names = {}
    for path in ADDONS_DIR.glob("*/data/*.xml"):
        text = path.read_text(encoding="utf-8")
        for xmlid, body in re.findall(
            r'<record id="(\w+)" model="queue.job.channel">(.*?)</record>', text, re.S
        ):
            name = re.search(r'<field name="name">([^<]+)</field>', body).group(1)
            parent = re.search(r'name="parent_id" ref="([\w.]+)"', body).group(1)
            names[xmlid] = (name, parent.split(".")[-1])
    full = {"channel_root": "root"}

    def resolve(xmlid):
        if xmlid not in full:
            name, parent = names[xmlid]
            full[xmlid] = resolve(parent) + "." + name
        return full[xmlid]

    channels = {resolve(xmlid) for xmlid in names}
    flow_source = (
        ADDONS_DIR / "integration_queue/models/integration_flow.py"
    ).read_text()
    channels.add(re.search(r'default="(root[\w.]*)"', flow_source).group(1))
    return channels


def channel_capacities(text):
    return {
        name.strip(): int(capacity)
        for name, capacity in (part.split(":")[:2] for part in text.split(","))
    }


def test_scale_profile_adds_services_only_on_request(services):
    for name in SCALE:
        assert services[name].get("profiles") == ["scale"], name
    for name in ("db", "odoo"):
        assert not services[name].get("profiles"), f"{name} must always start"


def test_scale_nodes_share_database_addons_and_filestore(services):
    base = odoo_config(services)["options"]
    for name in ("web", "jobs"):
        node = services[name]
        options = conf_of(node)["options"]
        for key in ("db_host", "db_name", "dbfilter", "addons_path", "data_dir"):
            assert options[key] == base[key], f"{name}: {key}"
        wide = {m.strip() for m in options["server_wide_modules"].split(",")}
        assert {"queue_job", "integration_queue"} <= wide, name
        assert options["list_db"] == "False", name
        # attachments live in the filestore: every node must see the same one
        targets = {parse_volume(v)[1]: parse_volume(v)[0] for v in node["volumes"]}
        assert targets[options["data_dir"]] == "odoo-data", name
        assert bind_mounts(node)[PurePosixPath("/mnt/extra-addons")][1], name
        assert node["image"] == services["odoo"]["image"], name
        assert dockerfile_of(node) == dockerfile_of(services["odoo"]), name
        assert node["depends_on"]["odoo"]["condition"] == "service_healthy", name
        assert HEALTH_PATH in healthcheck_command(node), name


def test_scale_http_nodes_serve_http_only(services):
    web = services["web"]
    assert web["deploy"]["replicas"] >= 2
    assert service_env(web)["ODOO_QUEUE_JOB_CHANNELS"] == "root:0", "no runner"
    options = conf_of(web)["options"]
    assert int(options["workers"]) > 0, "prefork workers"
    assert options["max_cron_threads"] == "0", "crons run on the odoo node"
    assert options["proxy_mode"] == "True", "behind nginx"
    assert options["gevent_port"] == "8072"
    assert not web.get("ports"), "reached through the proxy only"
    # read-only routes go to the streaming replica
    assert options["db_replica_host"] == "db-replica"
    assert web["depends_on"]["db-replica"]["condition"] == "service_healthy"


def test_scale_job_nodes_run_the_runner_with_capacity_per_channel(services):
    jobs = services["jobs"]
    assert jobs["deploy"]["replicas"] >= 2, "a second runner waits on the HA lock"
    assert "ODOO_QUEUE_JOB_CHANNELS" not in service_env(jobs)
    config = conf_of(jobs)
    capacities = channel_capacities(config["queue_job"]["channels"])
    assert declared_channels() <= set(capacities), (
        f"channels without a capacity: {declared_channels() - set(capacities)}"
    )
    assert all(c > 0 for c in capacities.values())
    # the runner dispatches each job as an HTTP request to a worker of its own node:
    # a job may not wait for a worker held by another job
    assert int(config["options"]["workers"]) > capacities["root"]
    assert config["options"]["max_cron_threads"] == "0"
    assert not jobs.get("ports"), "the runner calls its own node, never the proxy"


def test_single_node_runner_can_be_switched_off(services):
    env = service_env(services["odoo"])
    assert env["ODOO_QUEUE_JOB_CHANNELS"] == "${CHUB_ODOO_CHANNELS:-root:2}"
    assert odoo_config(services)["queue_job"]["channels"] == "root:2"


def test_scale_proxy(services):
    proxy = services["proxy"]
    assert re.fullmatch(r"nginx:[\d.]+", proxy["image"]), proxy["image"]
    assert ("127.0.0.1", "8080", "80") in parse_ports(proxy)
    path, read_only = bind_mounts(proxy)[
        PurePosixPath("/etc/nginx/conf.d/default.conf")
    ]
    assert read_only
    conf = path.read_text(encoding="utf-8")
    conf = re.sub(r"#[^\n]*", "", conf)
    upstreams = dict(re.findall(r"upstream (\w+) \{\s*server ([\w.:-]+);", conf))
    assert upstreams["odoo_web"] == "web:8069"
    assert (
        upstreams["odoo_websocket"]
        == "web:" + conf_of(services["web"])["options"]["gevent_port"]
    )
    # queue_job's runjob route has no authentication: never through the proxy
    assert re.search(r"location /queue_job/ \{\s*return 404;\s*\}", conf)
    assert re.search(
        r"location /websocket \{[^}]*proxy_pass http://odoo_websocket;", conf
    )
    assert re.search(r"location / \{[^}]*proxy_pass http://odoo_web;", conf)
    for header in ("X-Forwarded-Host", "X-Forwarded-For", "X-Forwarded-Proto"):
        assert f"proxy_set_header {header}" in conf, header
    # the hub's own size limit must answer first (413 problem+json, not nginx HTML)
    api = (ADDONS_DIR / "integration_queue/models/ir_http.py").read_text()
    hub_limit = math.prod(
        int(n)
        for n in re.findall(
            r"\d+", re.search(r"^DEFAULT_MAX_BODY = (.+)$", api, re.M).group(1)
        )
    )
    nginx_limit = int(re.search(r"client_max_body_size (\d+)m;", conf).group(1))
    assert nginx_limit * 1024 * 1024 > hub_limit


def test_scale_read_replica_streams_from_the_primary(services):
    db, replica = services["db"], services["db-replica"]
    init = bind_mounts(db)
    script = [
        source
        for target, (source, read_only) in init.items()
        if target.parent == PurePosixPath("/docker-entrypoint-initdb.d") and read_only
    ]
    assert script, "the primary needs a replication entry in pg_hba.conf"
    assert "replication" in script[0].read_text(encoding="utf-8")
    env = service_env(replica)
    assert env["PRIMARY_HOST"] == "db"
    assert env["POSTGRES_USER"] == service_env(db)["POSTGRES_USER"]
    assert replica["image"] == db["image"]
    assert replica["depends_on"]["db"]["condition"] == "service_healthy"
    entry = replica["entrypoint"][0]
    source, read_only = bind_mounts(replica)[PurePosixPath(entry)]
    assert read_only
    text = source.read_text(encoding="utf-8")
    assert re.search(r"pg_basebackup .*-R", text), "a standby configuration (-R)"
    assert "hot_standby=on" in text
    assert "pg_isready" in healthcheck_command(replica)
