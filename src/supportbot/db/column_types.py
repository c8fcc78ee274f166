"""The column types the schema is written with: aware UTC instants on every engine, exact microsecond spans
as each engine computes them, enums stored as their values."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.visitors import InternalTraversal


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the engine stores (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; instants must be aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class MicrosBetween(sa.ColumnElement[int]):
    """Exact microseconds from `earlier` to `later` (NULL when either is), as each engine computes it.

    Written once here and used alike in an index and in a query, so the database reads the value from
    the index instead of computing it from two instants per row."""

    type = sa.BigInteger()
    inherit_cache = True
    _traverse_internals = [("later", InternalTraversal.dp_clauseelement),
                           ("earlier", InternalTraversal.dp_clauseelement)]

    def __init__(self, later: sa.ColumnElement[datetime], earlier: sa.ColumnElement[datetime]) -> None:
        self.later = later
        self.earlier = earlier


@compiles(MicrosBetween, "sqlite")
def _sqlite_micros(element: MicrosBetween, compiler: SQLCompiler, **kw: object) -> str:
    # UTCDateTime is stored as 'YYYY-MM-DD HH:MM:SS.ffffff': julianday of the first 19 characters gives
    # whole seconds (rounded: a julian day is a float), the last six the microseconds.
    later, earlier = compiler.process(element.later, **kw), compiler.process(element.earlier, **kw)
    return (f"(CAST(round((julianday(substr({later}, 1, 19)) - julianday(substr({earlier}, 1, 19))) * 86400)"
            f" AS INTEGER) * 1000000 + CAST(substr({later}, 21, 6) AS INTEGER)"
            f" - CAST(substr({earlier}, 21, 6) AS INTEGER))")


@compiles(MicrosBetween, "postgresql")
def _postgresql_micros(element: MicrosBetween, compiler: SQLCompiler, **kw: object) -> str:
    # date_part's float (EXTRACT's numeric is exact too, but several times slower per row) is within a
    # nanosecond of the span for any span under a century: rounded, it is the exact microsecond count.
    later, earlier = compiler.process(element.later, **kw), compiler.process(element.earlier, **kw)
    return f"CAST(round(date_part('epoch', {later} - {earlier}) * 1000000) AS BIGINT)"


def enum_of(kind: type) -> sa.Enum:
    return sa.Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e],
                   validate_strings=True, create_constraint=False)
