"""The browser loads the package's stylesheet under the page's CSP (nothing blocked)."""

from __future__ import annotations

from tests.browser.conftest import LiveWorld


async def test_the_browser_gets_the_stylesheet_and_the_security_policy(live_world: LiveWorld, page) -> None:
    answer = await page.goto(f"{live_world.url}/static/style.css")
    assert answer is not None and answer.status == 200
    assert "frame-ancestors 'none'" in (await answer.all_headers())["content-security-policy"]
