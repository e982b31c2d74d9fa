"""The deployment files (deploy/, docs/deploy.md) are checked as configuration: the systemd
units by `systemd-analyze verify` when it is installed (with the executable pointed at this
checkout's) and by a structural parse always; the compose file parsed with its required
services and keys; the nginx sites by `nginx -t` when nginx is installed."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
UNITS = sorted((DEPLOY / "systemd").iterdir())
EXECUTABLE = "/opt/reception/.venv/bin/reception"


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def test_every_unit_has_its_sections_and_runs_the_bot() -> None:
    assert {path.name for path in UNITS} >= {
        "reception-worker@.service",
        "reception-migrate.service",
        "reception.target",
    }
    for path in UNITS:
        unit = _unit(path)
        assert unit.has_section("Unit"), path.name
        assert unit["Unit"].get("Description"), path.name
        if path.suffix == ".service":
            service = unit["Service"]
            assert service["ExecStart"].startswith(EXECUTABLE + " "), path.name
            assert service["EnvironmentFile"] == "/etc/reception/reception.env"
            assert service["User"] == "reception"
    worker = _unit(DEPLOY / "systemd" / "reception-worker@.service")["Service"]
    assert worker["ExecStart"].endswith(" webhook --host 127.0.0.1 --port 808%i")
    assert worker["KillSignal"] == "SIGTERM"
    desk = _unit(DEPLOY / "systemd" / "reception-web.service")["Service"]
    assert desk["ExecStart"].endswith(" web --host 127.0.0.1 --port 8080")


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    reception = Path(sys.executable).with_name("reception")
    for path in UNITS:
        text = path.read_text(encoding="utf-8").replace(EXECUTABLE, str(reception))
        name = path.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(text, encoding="utf-8")
    if not reception.exists():
        pytest.skip("the reception script is not installed in this environment")
    result = subprocess.run(
        ["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        # A build machine has no such user or paths; everything else is a real fault.
        if line.strip() and not re.search(r"reception\.env|/var/lib/reception|User", line)
    ]
    assert problems == []


def test_the_compose_file_has_the_services_and_their_keys() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "migrate", "worker1", "worker2", "proxy"} <= set(services)
    for name in ("worker1", "worker2"):
        worker = services[name]
        assert worker["command"] == ["reception", "webhook", "--host", "0.0.0.0", "--port", "8080"]
        assert worker["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert worker["environment"]["REDIS_URL"].startswith("redis://")
        assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "healthcheck" in worker
    assert services["migrate"]["command"] == ["reception", "migrate"]
    assert services["postgres"]["volumes"] and services["redis"]["volumes"]
    mounted = [volume.split(":")[0] for volume in services["proxy"]["volumes"]]
    for source in mounted:
        if source.startswith("./"):
            assert (DEPLOY / source).is_file(), source
    assert (DEPLOY / "Dockerfile").is_file()
    assert set(compose["volumes"]) == {"pgdata", "redisdata"}


@pytest.mark.parametrize("site", ["reception.conf", "compose.conf"])
def test_the_nginx_site_passes_nginx_t(tmp_path: Path, site: str) -> None:
    text = (DEPLOY / "nginx" / site).read_text(encoding="utf-8")
    assert "location = /telegram/webhook" in text
    assert "upstream reception_workers" in text
    nginx = shutil.which("nginx")
    if nginx is None:
        pytest.skip("nginx is not installed")
    # The certificates and the workers' names are the site's; the check needs its own.
    site_text = re.sub(r"ssl_certificate(_key)? [^;]+;", "", text).replace(" ssl;", ";")
    site_text = re.sub(r"server worker\d:8080", "server 127.0.0.1:8080", site_text)
    config = tmp_path / "nginx.conf"
    config.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{\n{site_text}\n}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [nginx, "-t", "-c", str(config), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
