"""The web server's frame: security headers on every answer, assets from inside the package, a secret
kept in the database when none is configured, and `supportbot run` saying where the dashboard is."""

from __future__ import annotations

from tests.web.conftest import WebWorld


async def test_every_answer_carries_the_security_headers_even_a_404(web_world: WebWorld) -> None:
    for path in ("/static/style.css", "/no-such-page"):
        response = await web_world.client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "no-referrer"


async def test_the_stylesheet_ships_inside_the_package(web_world: WebWorld) -> None:
    response = await web_world.client.get("/static/style.css")
    assert response.status == 200 and "text/css" in response.headers["Content-Type"]
    assert ":root" in await response.text()


async def test_an_unset_secret_is_generated_once_and_kept(make_web_world) -> None:
    first = await make_web_world()
    second = await make_web_world()  # a restart on the same database
    assert len(first.ctx.secret) >= 32 and first.ctx.secret == second.ctx.secret


async def test_run_says_where_the_dashboard_is_and_a_taken_port_is_told_not_fatal(web_world: WebWorld) -> None:
    import aiohttp

    from supportbot.runtime import start_web
    from supportbot.web.server import WebContext, WebOptions, WebServer, templates

    def server(port: int) -> WebServer:
        ctx = web_world.ctx
        return WebServer(WebContext(WebOptions(port=port), ctx.desk, ctx.uow, ctx.clock, templates()))

    said: list[str] = []
    first = server(0)
    assert await start_web(first, said.append)
    try:
        assert said == [f"Dashboard: http://127.0.0.1:{first.port}/board (sign in with /dashboard) · "
                        f"public tracker: http://127.0.0.1:{first.port}/"]
        async with aiohttp.ClientSession() as session, session.get(f"{first.url}/static/style.css") as answer:
            assert answer.status == 200
        assert first.port is not None
        assert not await start_web(server(first.port), said.append)  # the same port again: told, not raised
        assert said[-1].startswith(f"dashboard not started: cannot listen on 127.0.0.1:{first.port}")
    finally:
        await first.stop()
