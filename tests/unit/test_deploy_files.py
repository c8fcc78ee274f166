"""The deployment files say what an operator relies on: the image installs exactly the locked versions,
compose starts the bots only on a healthy, migrated database, nothing secret or mutable is baked in."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from supportbot.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
# What the bots would find in .env: well-formed, not placeholders.
ENV = {"DATABASE_URL": "postgresql+asyncpg://supportbot:Xk3v9TqPz@db:5432/supportbot",
       "TELEGRAM_BOT_TOKEN": "7351940262:AAGm3kQ8rZ2xWv5bN7cJ4pL9tY6hD1sF0eU",
       "SUPPORTBOT_TELEGRAM__WEBHOOK_SECRET": "9f2c4e6a8b0d1f3a5c7e9b1d3f5a7c9e"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def locked() -> dict[str, tuple[str, int]]:
    """name → (pinned version, number of hashes) from requirements.lock."""
    pins: dict[str, tuple[str, int]] = {}
    for entry in re.split(r"\n(?=\S)", (ROOT / "requirements.lock").read_text(encoding="utf-8")):
        found = re.match(r"([A-Za-z0-9_.\-]+)==(\S+)", entry)
        if found:
            pins[canonicalize_name(found[1])] = (found[2], entry.count("--hash=sha256:"))
    return pins


def test_every_runtime_dependency_is_pinned_with_hashes_in_the_lock() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = locked()
    for line in [*project["dependencies"], *project["optional-dependencies"]["postgres"]]:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement.name} is not in requirements.lock: regenerate it (README)"
        version, hashes = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), f"{name}=={version} is not {requirement}"
        assert hashes > 0, f"{name} has no hash in requirements.lock"


def test_the_image_installs_the_lock_on_a_base_pinned_by_digest_and_runs_as_a_user() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    args = dict(re.findall(r"^ARG (\w+)=(\S+)", dockerfile, re.M))
    bases = [re.sub(r"\$\{(\w+)\}", lambda m: args[m[1]], b) for b in re.findall(r"^FROM (\S+)", dockerfile, re.M)]
    assert len(bases) >= 2 and all(DIGEST.search(b) for b in bases), bases  # multi-stage, each base by digest
    assert re.search(r"--require-hashes .*-r requirements\.lock", dockerfile)
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile


def test_the_bots_start_on_a_healthy_database_once_it_is_migrated(compose) -> None:
    services = compose["services"]
    assert "healthcheck" in services["db"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    bot = services["bot"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert bot["deploy"]["replicas"] >= 2
    assert services["migrate"]["image"] == bot["image"]  # the schema of the image the bots run
    assert services["prometheus"]["profiles"] == ["metrics"]
    assert "ports" not in bot  # only the proxy is published


def test_no_secret_is_written_in_compose(compose) -> None:
    secrets = {(name, key): value for name, service in compose["services"].items()
               for key, value in (service.get("environment") or {}).items()
               if re.search("PASSWORD|TOKEN|SECRET|DATABASE_URL", key)}
    assert secrets and all("${POSTGRES_PASSWORD:?" in value for value in secrets.values()), secrets
    assert compose["services"]["bot"]["env_file"] == ".env"  # the tokens, never in the file
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_the_compose_config_runs_several_replicas_on_one_port() -> None:
    settings = load_settings(ROOT / "deploy" / "config.toml", env=ENV)
    telegram, web = settings.telegram, settings.web
    assert telegram is not None and telegram.mode == "webhook"  # polling allows one instance per token
    assert (telegram.webhook_listen, telegram.webhook_port) == (web.listen, web.port) == ("0.0.0.0", 8080)
    assert settings.database.url.get_secret_value().startswith("postgresql+asyncpg://")
    scrape = yaml.safe_load((ROOT / "deploy" / "prometheus.yml").read_text(encoding="utf-8"))["scrape_configs"][0]
    assert scrape["metrics_path"] == "/metrics" and scrape["dns_sd_configs"][0] == {
        "names": ["bot"], "type": "A", "port": web.port}
    assert "port 8080" in (ROOT / "deploy" / "Caddyfile").read_text(encoding="utf-8")
