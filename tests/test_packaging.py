"""Every addon builds as an OCA-style wheel (build backend: whool).

Whool picks the files of a wheel with ``git ls-files`` when the addon is in a git
checkout (and takes everything, ``__pycache__`` included, when it is not). So that the
result does not depend on the state of the working tree (files not yet added, stale
byte code, a repository without any commit yet), each addon is first copied to a
scratch git repository, with the files a fresh clone would have: tracked files plus
untracked ones that .gitignore does not exclude, never byte code. The wheels are built
from there exactly as from a clone, ``python -m build --wheel --no-isolation``, with
the interpreter running the tests.
"""

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest
from manifestoo_core.core_addons import get_core_addons
from manifestoo_core.odoo_series import OdooSeries
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: whool depends on tomli there
    import tomli as tomllib

REPO_DIR = Path(__file__).resolve().parent.parent
ADDONS_DIR = REPO_DIR / "addons"
SUITE = (
    "integration_queue",
    "construction_project_sync",
    "equipment_costing",
    "ap_matching",
)
# Dependencies that must become odoo-addon-* requirements whatever else changes.
REQUIRED_ADDON_DEPENDENCIES = {
    "integration_queue": {"queue_job"},
    "construction_project_sync": {"integration_queue"},
    "equipment_costing": {"construction_project_sync"},
    "ap_matching": {"construction_project_sync"},
}
# Core Odoo addons are covered by the "odoo" requirement and never become odoo-addon-*
# requirements (no such distributions exist). Whool takes the list from manifestoo-core
# (one of its dependencies); the suite's own core depends are listed here as well so
# that a wrong list there cannot hide a leak.
SUITE_CORE_DEPENDS = {
    "base",
    "web",
    "mail",
    "project",
    "hr_timesheet",
    "analytic",
    "account",
    "purchase",
    "purchase_stock",
    "account_edi_ubl_cii",
    "base_vat",
    "maintenance",
}
CORE_ADDONS = get_core_addons(OdooSeries.v18_0) | SUITE_CORE_DEPENDS


JUNK_PARTS = {"__pycache__", ".git", "build", "dist"}
JUNK_SUFFIXES = (".pyc", ".pyo", ".orig", ".rej")


def _git_env(hermetic=False):
    # A test run from a git hook inherits GIT_DIR, GIT_INDEX_FILE...: they would point
    # the git commands below at the wrong repository.
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    if hermetic:
        # the scratch repository: no user hooks, templates, signing or identity needed
        env.update(
            GIT_CONFIG_GLOBAL=os.devnull,
            GIT_CONFIG_NOSYSTEM="1",
            GIT_AUTHOR_NAME="packaging test",
            GIT_AUTHOR_EMAIL="packaging-test@example.invalid",
            GIT_COMMITTER_NAME="packaging test",
            GIT_COMMITTER_EMAIL="packaging-test@example.invalid",
        )
    return env


def _git(*args, cwd, hermetic=False):
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=_git_env(hermetic),
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def addon_dirs():
    return sorted(p.parent for p in ADDONS_DIR.glob("*/__manifest__.py"))


def read_manifest(addon_dir):
    return ast.literal_eval((addon_dir / "__manifest__.py").read_text(encoding="utf-8"))


def clone_files(addon_dir):
    """Paths (relative to addon_dir) of the files a fresh clone would hold."""
    try:
        listed = _git(
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            ".",
            cwd=addon_dir,
        ).split("\0")
    except (OSError, subprocess.CalledProcessError):
        listed = []
    if not any(listed):
        # not a git checkout (an exported tree): everything
        listed = [str(p.relative_to(addon_dir)) for p in addon_dir.rglob("*")]
    files = set()
    for rel in filter(None, listed):
        path = Path(rel)
        if JUNK_PARTS.intersection(path.parts) or path.name.endswith(JUNK_SUFFIXES):
            continue
        # tracked but deleted in the working tree: a clone of the next commit lacks it
        if (addon_dir / path).is_file():
            files.add(path.as_posix())
    return files


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """{addon: (wheel path, staged file set)} for every addon of the repository."""
    tmp = tmp_path_factory.mktemp("packaging")
    src, dist = tmp / "src", tmp / "dist"
    staged = {}
    for addon_dir in addon_dirs():
        files = clone_files(addon_dir)
        for rel in sorted(files):
            dest = src / addon_dir.name / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copy2(addon_dir / rel, dest)
            except FileNotFoundError:  # deleted meanwhile (someone is editing)
                files.discard(rel)
        staged[addon_dir.name] = files
    _git("init", "-q", ".", cwd=src, hermetic=True)
    _git("add", "-A", cwd=src, hermetic=True)
    _git("commit", "-q", "--no-verify", "-m", "snapshot", cwd=src, hermetic=True)

    wheels = {}
    for name in staged:
        before = set(dist.glob("*.whl"))
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "build",
                "--wheel",
                "--no-isolation",
                "--outdir",
                str(dist),
                str(src / name),
            ],
            env=_git_env(),
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, (
            f"{name} did not build:\n{proc.stdout}\n{proc.stderr}"
        )
        new = set(dist.glob("*.whl")) - before
        assert len(new) == 1, f"{name}: expected one new wheel, got {sorted(new)}"
        wheels[name] = (new.pop(), staged[name])
    return wheels


def wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as zf:
        [name] = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return HeaderParser().parsestr(zf.read(name).decode("utf-8"))


def wheel_requirements(wheel):
    return {
        canonicalize_name(req.name): req
        for req in map(Requirement, wheel_metadata(wheel).get_all("Requires-Dist", []))
    }


def test_suite_addons_present():
    assert set(SUITE) <= {d.name for d in addon_dirs()}


@pytest.mark.parametrize("addon_dir", addon_dirs(), ids=lambda d: d.name)
def test_pyproject_uses_whool(addon_dir):
    pyproject = addon_dir / "pyproject.toml"
    assert pyproject.is_file(), f"{addon_dir.name} has no pyproject.toml (whool init)"
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    assert data["build-system"]["build-backend"] == "whool.buildapi"
    assert "whool" in {
        canonicalize_name(Requirement(r).name) for r in data["build-system"]["requires"]
    }
    # the manifest version, verbatim: no git-history-dependent post-version
    assert data["tool"]["whool"]["post_version_strategy_override"] == "none"


@pytest.mark.parametrize("addon", SUITE)
def test_wheel_metadata(built, addon):
    wheel, _ = built[addon]
    manifest = read_manifest(ADDONS_DIR / addon)
    meta = wheel_metadata(wheel)
    assert canonicalize_name(meta["Name"]) == canonicalize_name(f"odoo-addon-{addon}")
    assert meta["Version"] == manifest["version"]
    assert meta["Version"].startswith("18.0.")
    assert wheel.name == f"odoo_addon_{addon}-{manifest['version']}-py3-none-any.whl"
    requires_python = SpecifierSet(meta["Requires-Python"])
    assert requires_python.contains("3.11"), meta["Requires-Python"]
    assert meta["License"] == manifest["license"]
    assert meta["Author"] == manifest["author"]
    assert meta["Home-page"] == manifest["website"]
    assert "Framework :: Odoo :: 18.0" in meta.get_all("Classifier", [])


@pytest.mark.parametrize("addon", SUITE)
def test_wheel_dependencies(built, addon):
    wheel, _ = built[addon]
    manifest = read_manifest(ADDONS_DIR / addon)
    reqs = wheel_requirements(wheel)

    odoo = reqs.get("odoo")
    assert odoo is not None, f"no requirement on odoo: {sorted(reqs)}"
    assert odoo.specifier.contains("18.0", prereleases=True)
    assert odoo.specifier.contains("18.0.20250925", prereleases=True)
    assert not odoo.specifier.contains("17.0") and not odoo.specifier.contains("19.0")

    addon_reqs = {
        name.removeprefix("odoo-addon-"): req
        for name, req in reqs.items()
        if name.startswith("odoo-addon-")
    }
    canonical_depends = {canonicalize_name(d): d for d in manifest["depends"]}
    # every odoo-addon-* requirement comes from a manifest depend...
    assert set(addon_reqs) <= set(canonical_depends), sorted(addon_reqs)
    # ...that is not a core addon...
    leaked = {canonical_depends[n] for n in addon_reqs} & CORE_ADDONS
    assert not leaked, f"core addons required as distributions: {sorted(leaked)}"
    # ...and every non-core depend is one, pinned to the 18.0 series
    for dep in REQUIRED_ADDON_DEPENDENCIES[addon] | {
        d for d in manifest["depends"] if d not in CORE_ADDONS
    }:
        req = addon_reqs.get(canonicalize_name(dep))
        assert req is not None, f"{addon} does not require odoo-addon-{dep}"
        assert req.specifier.contains("18.0.1.0.0")
        assert not req.specifier.contains("19.0.1.0.0")

    for pydep in manifest.get("external_dependencies", {}).get("python", []):
        assert canonicalize_name(pydep) in reqs, f"{pydep} missing from Requires-Dist"


@pytest.mark.parametrize("addon", SUITE)
def test_wheel_contents(built, addon):
    wheel, staged = built[addon]
    manifest = read_manifest(ADDONS_DIR / addon)
    prefix = f"odoo/addons/{addon}/"
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    assert f"{prefix}__manifest__.py" in names
    assert f"{prefix}__init__.py" in names
    # odoo and odoo.addons are namespace packages: a wheel shipping their __init__.py
    # would overwrite Odoo's own when installed
    assert "odoo/__init__.py" not in names
    assert "odoo/addons/__init__.py" not in names
    outside = [n for n in names if not n.startswith(prefix) and ".dist-info/" not in n]
    assert not outside, outside
    addon_files = {n.removeprefix(prefix) for n in names if n.startswith(prefix)}
    assert addon_files == staged - {"pyproject.toml"}
    for key in ("data", "demo"):
        for rel in manifest.get(key, []):
            assert rel in addon_files, f"{key} file {rel} is not in the wheel"
    junk = [
        n
        for n in addon_files
        if "__pycache__" in n or n.endswith(JUNK_SUFFIXES) or n == "pyproject.toml"
    ]
    assert not junk, junk


def test_wheels_install_side_by_side(built, tmp_path):
    target = tmp_path / "site"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-compile",
            "--disable-pip-version-check",
            "--target",
            str(target),
            *(str(w) for w, _ in built.values()),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for addon in built:
        assert (target / "odoo" / "addons" / addon / "__manifest__.py").is_file()
    assert not (target / "odoo" / "__init__.py").exists()
    assert not (target / "odoo" / "addons" / "__init__.py").exists()
