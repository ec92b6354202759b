"""Static checks of docker-compose.yml, docker/Dockerfile and docker/odoo.conf.

No Docker engine is needed (nor used): the files are parsed and checked against the
repository, the way `docker compose config` and the official images would read them.
"""

import ast
import configparser
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
