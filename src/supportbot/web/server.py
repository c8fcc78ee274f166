"""The web server: one aiohttp application with the public tracker, the team board and the operations
endpoints, security headers on every answer, templates and assets from inside the package."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import jinja2
from aiohttp import web

from supportbot.services.desk import Desk
from supportbot.services.ports import Clock, UnitOfWorkFactory

log = logging.getLogger(__name__)

SECRET_SETTING = "session_secret"
# No inline script or style anywhere: what a report says can never run in a team member's browser.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # a sign-in link in the address bar never leaves in a Referer
}


@dataclass(frozen=True)
class WebOptions:
    """The [web] section as the server takes it (web/ does not read config)."""

    listen: str = "127.0.0.1"
    port: int = 8080
    public_url: str = "http://127.0.0.1:8080"
    public_tracker: bool = True
    secret: str | None = None  # None: generated once and kept in the database


@dataclass
class WebContext:
    """What every page needs: the desk (the use cases), the database, the clock, the templates."""

    options: WebOptions
    desk: Desk
    uow: UnitOfWorkFactory
    clock: Clock
    templates: jinja2.Environment
    secret: str = ""  # set at start: the configured one, or the one kept in the database
    # Filled by the runtime: whatever /healthz and /metrics report besides the database (sweep, platforms).
    extras: dict[str, Any] = field(default_factory=dict)


CONTEXT: web.AppKey[WebContext] = web.AppKey("supportbot", WebContext)


def templates() -> jinja2.Environment:
    """The package's templates, every value escaped (HTML and XML)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("supportbot.web", "templates"),
        autoescape=jinja2.select_autoescape(("html", "xml"), default_for_string=True),
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )


def render(request: web.Request, name: str, status: int = 200, **values: Any) -> web.Response:
    """A template rendered as the answer (HTML, or Atom for .xml)."""
    ctx = request.app[CONTEXT]
    body = ctx.templates.get_template(name).render(public_url=ctx.options.public_url, **values)
    kind = "application/atom+xml" if name.endswith(".xml") else "text/html"
    return web.Response(text=body, status=status, content_type=kind, charset="utf-8")


@web.middleware
async def security_headers(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                           ) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as refused:  # 404, 403, redirects: headers on those too
        refused.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


def make_app(ctx: WebContext, *, extra_routes: Callable[[web.Application], None] | None = None) -> web.Application:
    """The application with every route; `extra_routes` mounts another's (the Telegram webhook)."""
    from supportbot.web import board, github_webhook, ops, public

    app = web.Application(middlewares=[security_headers], client_max_size=1024 * 1024)
    app[CONTEXT] = ctx
    app.router.add_static("/static", _static_dir(), name="static", append_version=True)
    ops.register(app)
    public.register(app)
    board.register(app)
    github_webhook.register(app)  # answers 404 unless [github] has a webhook secret
    if extra_routes is not None:
        extra_routes(app)
    return app


def _static_dir() -> str:
    from importlib.resources import files

    return str(files("supportbot.web") / "static")


async def session_secret(uow: UnitOfWorkFactory, configured: str | None) -> str:
    """The configured secret, else the one kept in the database (made and stored on first start)."""
    if configured:
        return configured
    async with uow() as tx:
        stored = await tx.web.keep_setting(SECRET_SETTING, secrets.token_urlsafe(48))
        await tx.commit()
    return stored


class WebServer:
    """Starts and stops the web application on its address; says where it is."""

    def __init__(self, ctx: WebContext, *, extra_routes: Callable[[web.Application], None] | None = None) -> None:
        self.ctx = ctx
        self.app = make_app(ctx, extra_routes=extra_routes)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # the port it listens on once started (0 in config: any free one)

    @property
    def url(self) -> str:
        """Where the dashboard is: the public URL, or the actual address when the port was chosen at start."""
        if self.ctx.options.port == 0 and self.port is not None:
            return f"http://{self.ctx.options.listen}:{self.port}"
        return self.ctx.options.public_url

    async def start(self) -> None:
        """Listen; raises OSError when the address is taken (the caller decides what that means)."""
        self.ctx.secret = await session_secret(self.ctx.uow, self.ctx.options.secret)
        runner = web.AppRunner(self.app, access_log=None)  # access lines would carry sign-in tokens
        await runner.setup()
        site = web.TCPSite(runner, self.ctx.options.listen, self.ctx.options.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1] if sockets else self.ctx.options.port
        log.info("dashboard at %s/board, public tracker at %s/ (listening on %s:%s)",
                 self.url, self.url, self.ctx.options.listen, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
