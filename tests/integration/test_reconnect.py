"""PostgreSQL restarted while the bot was idle: the pool's connections are dead, and the next unit of work
must get a live one at once instead of failing (an update retried, a flush or sweep lost until its
next beat)."""

from __future__ import annotations

import sqlalchemy as sa

from supportbot.db.engine import Database
from tests.support.tcp_proxy import CuttableProxy


async def test_the_first_transaction_after_a_restart_gets_a_live_connection(pg_database):
    url = sa.make_url(pg_database)
    proxy = await CuttableProxy(url.host or "127.0.0.1", url.port or 5432).start()
    database = Database.from_url(url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False))
    try:
        async with database() as uow:  # the pool keeps this connection
            await uow.session.execute(sa.text("SELECT 1"))
        await proxy.cut()  # the server goes away and comes back while nothing runs
        await proxy.restore()

        async with database() as uow:
            assert (await uow.session.execute(sa.text("SELECT 2"))).scalar() == 2
        assert proxy.connections == 2  # a new connection replaced the dead one
    finally:
        await database.dispose()
        await proxy.close()
