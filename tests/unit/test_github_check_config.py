"""`supportbot check-config` says how the GitHub link-up is set up: each product's repositories, webhook or
polling, and whether a token is set — never the token or the webhook secret themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.cli import run_supportbot

PRODUCTS = ('[[products]]\nkey = "court"\nname = "Court v2"\ngithub_repos = ["kleros/court", "kleros/court-ui"]\n'
            '[[products]]\nkey = "curate"\nname = "Curate"\n')
TOKEN, SECRET = "github_pat_real0123456789", "s3cr3t-hook-value-0123"


@pytest.mark.parametrize(("text", "env", "line"), [
    ("[github]\n" + PRODUCTS, {"GITHUB_TOKEN": TOKEN, "GITHUB_WEBHOOK_SECRET": SECRET},
     "GitHub: repositories court kleros/court, kleros/court-ui; curate none; webhook at "
     "http://127.0.0.1:8080/github/webhook (secret set); token set; API https://api.github.com"),
    ('[github]\npoll_interval = "2m"\napi_base_url = "https://ghe.example.org/api/v3"\n' + PRODUCTS, {},
     "GitHub: repositories court kleros/court, kleros/court-ui; curate none; polling every 2m (no webhook secret); "
     "token not set (public repositories only; /issue cannot open issues); API https://ghe.example.org/api/v3"),
    ("[web]\nenabled = false\n[github]\n" + PRODUCTS, {"GITHUB_WEBHOOK_SECRET": SECRET},
     "webhook secret set, but [web] is off: no delivery can arrive and nothing is polled"),
    (PRODUCTS, {"GITHUB_TOKEN": TOKEN}, "GitHub: off (no [github] section)"),
])
def test_check_config_says_how_github_is_linked(tmp_path: Path, text: str, env: dict[str, str], line: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")

    done = run_supportbot("check-config", str(path), cwd=tmp_path, env=env)

    assert done.returncode == 0, done.stderr
    assert line in done.stdout
    assert TOKEN not in done.stdout + done.stderr and SECRET not in done.stdout + done.stderr
