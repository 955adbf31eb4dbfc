"""Model fields the engine needs beyond Django's."""

from __future__ import annotations

from django.db import models


class OrderedJSONField(models.JSONField):
    """A JSONField that keeps the document as written, key order included.

    On PostgreSQL Django's JSONField is `jsonb`, which stores objects with their keys
    sorted (by length, then bytes): the order of a step's `properties` — the order of the
    fields a citizen sees and a designer arranged — would be lost. This field's column is
    `json` there (the text as sent, validated as JSON); SQLite keeps text anyway. No JSON
    path lookups are made on such a column (`json` has no operators for them)."""

    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value, connection, prepared=False):
        if connection.vendor != "postgresql":
            return super().get_db_prep_value(value, connection, prepared)
        from psycopg.types.json import Json

        if not prepared:
            value = self.get_prep_value(value)
        return Json(value, dumps=self._dumps)

    def _dumps(self, value) -> str:
        import json

        return json.dumps(value, cls=self.encoder, ensure_ascii=False)

    def from_db_value(self, value, expression, connection):
        # psycopg decodes `json` itself (keeping the order); `jsonb` comes as text.
        if value is not None and not isinstance(value, str):
            return value
        return super().from_db_value(value, expression, connection)
