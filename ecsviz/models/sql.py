"""Plain statements for the ECS API's hottest paths, with the ORM's own field conversions.

On a 10-task RunTask, building the ORM's statements (filters, compiler, `bulk_create`) cost
several times executing them. These helpers write the SQL once per shape and still convert
every value the way Django does (`pre_save`, `get_db_prep_save`; rows back through
`QuerySet.raw`, which applies the fields' converters), so what lands in the database and what
comes back are the ORM's values.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.transaction import TransactionManagementError


def prepared(field: Field, value: object, db: BaseDatabaseWrapper | None = None) -> object:
    # NULL needs no conversion, and most of a new task's timestamps are still NULL.
    return None if value is None else field.get_db_prep_save(value, db or current())


def current() -> BaseDatabaseWrapper:
    """This thread's connection itself: every attribute read through `django.db.connection`
    looks the thread's connection up again (asgiref's Local), which adds up over 300 values."""
    return connections[DEFAULT_DB_ALIAS]


def new_objects(model: type[Model], shared: dict, rows: Sequence[dict]) -> list[Model]:
    """Unsaved objects of `model`, each `model(**shared, **row)` with every key an attname.

    Built the way rows come back from a query (values by position): the keyword path of
    `Model.__init__` looks every field up in the keywords, about 60,000 instructions more a
    task (callgrind, a RunTask of ten tasks in process). Fields
    given in neither dict get their defaults, made anew for each object (as the keyword path
    does), so no two objects share a mutable default.
    """
    fields = model._meta.concrete_fields
    known = {field.attname for field in fields}
    unknown = (set(shared) | {name for row in rows for name in row}) - known
    if unknown:
        raise TypeError(f"{model.__name__} has no fields {sorted(unknown)}")
    objects = []
    for row in rows:
        values = {**shared, **row}
        args = [
            values[field.attname] if field.attname in values else field.get_default()
            for field in fields
        ]
        objects.append(model(*args))
    return objects


def insert(objects: Sequence[Model], *, varying: Collection[str] | None = None) -> None:
    """INSERT new objects of one model in one statement and set their ids, as bulk_create would.

    With `varying`, every field not named there holds the same value on every object (the caller
    built them so): it is converted once, and `auto_now_add` times are the first object's.
    """
    if not objects:
        return
    model, db = type(objects[0]), current()
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    # Per column: the field to convert for each object, or (None, the shared value's parameter).
    columns: list[tuple[Field | None, object]] = []
    stamped = []  # shared values pre_save sets (auto_now_add), to set on the other objects too
    for field in fields:
        if varying is None or field.name in varying:
            columns.append((field, None))
            continue
        value = field.pre_save(objects[0], True)
        columns.append((None, prepared(field, value, db)))
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            stamped.append((field.attname, value))
    params = []
    for obj in objects:
        for attname, value in stamped:
            setattr(obj, attname, value)
        params.extend(
            param if field is None else prepared(field, field.pre_save(obj, True), db)
            for field, param in columns
        )
    for obj, pk in zip(objects, insert_returning_ids(model, fields, params), strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, db.alias


def insert_returning_ids(model: type[Model], fields: list[Field], params: list) -> list[int]:
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    rows = len(params) // len(fields)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * rows)} RETURNING {quote(model._meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()]


def first(
    model: type[Model], where: str, params: list, *, order_by: str = "", for_update: bool = False
) -> Model | None:
    """The first row of `model` matching a SQL condition on its own columns, or None.

    The columns come back through the converters a query applies (`converted`), for a fraction
    of the ORM's `get`. `for_update` locks the row where the database can (SQLite's writers
    lock the whole file when their transaction begins).
    """
    db, fields = current(), model._meta.concrete_fields
    columns = ", ".join(db.ops.quote_name(f.column) for f in fields)
    sql = f"SELECT {columns} FROM {db.ops.quote_name(model._meta.db_table)} WHERE {where}"
    if order_by:
        sql += f" ORDER BY {order_by}"
    sql += " LIMIT 1"
    if for_update and db.features.has_select_for_update:
        if db.get_autocommit():
            # As the ORM's select_for_update: a lock outside a transaction would end at once.
            raise TransactionManagementError("A row lock needs a transaction.")
        sql += " FOR UPDATE"
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = [converted(field, value, db) for field, value in zip(fields, row, strict=True)]
    return model.from_db(db.alias, [f.attname for f in fields], values)


def converted(field: Field, value: object, db: BaseDatabaseWrapper) -> object:
    """A column's value as a query returns it: the backend's converters, then the field's."""
    column = field.cached_col
    for convert in db.ops.get_db_converters(column) + column.get_db_converters(db):
        value = convert(value, column, db)
    return value


def exists(model: type[Model], where: str, params: list) -> bool:
    """Whether a row of `model` matches a SQL condition on its own columns."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {table} WHERE {where} LIMIT 1", params)
        return cursor.fetchone() is not None
