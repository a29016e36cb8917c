"""django-simple-history as the project uses it: a save and the history row it writes are one atomic write,
and a historical table carries the indexes its readers use, not one per copied column.

Why (B8, docs/ged.md): simple-history writes the history row from `post_save`, which Django sends after the
save's own statement has run. Outside an atomic block that statement commits alone, then the history row
commits alone: two commits (two WAL flushes) per save, and a crash between them left a change without its
history. `SavedWithHistory` makes them one:

- on PostgreSQL, the save of an existing row and its history row are **one statement**,
  `WITH u AS (UPDATE … RETURNING 1) INSERT INTO <history> (…) SELECT … FROM u RETURNING history_id`: atomic by
  itself (no BEGIN / COMMIT round trips outside a transaction), one round trip instead of two inside one, and
  the history row is written only when the UPDATE found its row. The history row is the one simple-history
  would have written (same values, user, change reason, date; `pre_create_historical_record`,
  `post_create_historical_record` and the historical model's `pre_save` / `post_save` are still sent), only
  written earlier, before the saved model's own `post_save` (whose simple-history receiver then does nothing
  for that save);
- otherwise (a creation, SQLite, a model with history of many-to-many fields, a multi-table child), the save
  and its history row run in one transaction (`atomic(savepoint=False)`: nothing more inside an action, which
  is already one). A save that writes no history row (`skip_history_when_saving`, history disabled) stays one
  statement.

simple-history also indexes every copied foreign key and unique column of the historical table (`folder`,
`lock_holder`, `created_by`, a tree's `path`…), which nobody reads, and each of them is written on every save.
`HistoricalRecords(no_db_index=[...], indexes=[...])` drops those and adds the composite indexes the activity
pages read (`ged/queries/activity.py`: one object's rows, or a space's rows, newest first).

And simple-history's `Model.history` builds a new manager class (`Manager.from_queryset`, an `inspect` walk of
the queryset) on every access, once per save: here it is built once.
"""

import contextlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router, transaction
from django.db.models import signals
from django.db.models.sql import InsertQuery, UpdateQuery
from django.utils import timezone
from simple_history import models as simple_history
from simple_history.manager import HistoryDescriptor
from simple_history.signals import post_create_historical_record, pre_create_historical_record

__all__ = ["HistoricalRecords", "SavedWithHistory"]

# Set on an instance while it is saved with its history row in the UPDATE's statement: (records, exit stack).
_MERGE = "_history_merge"
# Set by that statement when it wrote the history row: simple-history's post_save receiver skips the save.
_WRITTEN = "_history_written"


class SavedWithHistory:
    """Mixin for a model with `HistoricalRecords`: its save and the history row of that save are written
    together (one statement on PostgreSQL for an existing row, one transaction otherwise)."""

    def save_base(self, raw=False, force_insert=False, force_update=False, using=None, update_fields=None):
        kwargs = {
            "raw": raw,
            "force_insert": force_insert,
            "force_update": force_update,
            "using": using,
            "update_fields": update_fields,
        }
        if hasattr(self, "skip_history_when_saving") or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return super().save_base(**kwargs)
        using = kwargs["using"] = using or router.db_for_write(self.__class__, instance=self)
        records = getattr(self._meta, "merged_history", None)
        if (
            records is None
            or raw
            or force_insert
            or self._state.adding
            or connections[using].vendor != "postgresql"
            or not records.writes_to(using)
        ):
            with transaction.atomic(using=using, savepoint=False):
                return super().save_base(**kwargs)
        with contextlib.ExitStack() as stack:
            self.__dict__[_MERGE] = (records, stack)
            try:
                return super().save_base(**kwargs)
            finally:
                self.__dict__.pop(_MERGE, None)
                self.__dict__.pop(_WRITTEN, None)

    def _do_update(self, base_qs, using, pk_val, values, update_fields, forced_update):
        merge = self.__dict__.pop(_MERGE, None)
        if merge is None or not values or (self._meta.select_on_save and not forced_update):
            return super()._do_update(base_qs, using, pk_val, values, update_fields, forced_update)
        records, stack = merge
        query = base_qs.filter(pk=pk_val).query.chain(UpdateQuery)
        query.add_update_fields(values)
        query.annotations = {}
        update = query.get_compiler(using).as_sql()
        if records.create_historical_record(self, "~", using=using, update=update):
            self.__dict__[_WRITTEN] = True
            return True
        # No row to update: Django inserts one next, and simple-history's post_save writes its history row;
        # outside a transaction, both commit together.
        if not connections[using].in_atomic_block:
            stack.enter_context(transaction.atomic(using=using, savepoint=False))
        return False


class HistoricalRecords(simple_history.HistoricalRecords):
    """`simple_history.models.HistoricalRecords` with `indexes` (added to the historical model's Meta, named
    explicitly), on a model that must be `SavedWithHistory`."""

    def __init__(self, *args, indexes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.indexes = list(indexes)

    def contribute_to_class(self, cls, name):
        if not cls._meta.abstract and not issubclass(cls, SavedWithHistory):
            raise ImproperlyConfigured(
                f"{cls.__module__}.{cls.__name__} has HistoricalRecords but is not SavedWithHistory: a save "
                "outside a transaction would commit the change and its history row separately."
            )
        super().contribute_to_class(cls, name)

    def finalize(self, sender, **kwargs):
        super().finalize(sender, **kwargs)
        descriptor = sender.__dict__.get(self.manager_name)
        if sender is self.cls and type(descriptor) is HistoryDescriptor:
            setattr(sender, self.manager_name, _HistoryDescriptor(descriptor))
        if (
            sender is self.cls
            and not sender._meta.parents
            and not self.get_m2m_fields_from_model(sender)
            and getattr(sender._meta, "simple_history_manager_attribute", None) == self.manager_name
        ):
            # Its saves of existing rows write their history row in the UPDATE's statement (SavedWithHistory).
            self.history_model = sender.__dict__[self.manager_name].model
            sender._meta.merged_history = self

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        options["indexes"] = [*options.get("indexes", ()), *(index.clone() for index in self.indexes)]
        return options

    def writes_to(self, using: str) -> bool:
        """Whether the history rows of a save on `using` go to the same database (one statement can hold
        both)."""
        return self.use_base_model_db or router.db_for_write(self.history_model) == using

    def post_save(self, instance, created, using=None, **kwargs):
        if instance.__dict__.pop(_WRITTEN, False):
            return  # written with the UPDATE (SavedWithHistory._do_update)
        super().post_save(instance, created, using=using, **kwargs)

    def create_historical_record(self, instance, history_type, using=None, update=None):
        """simple-history's `create_historical_record` (3.x), and with `update` (the UPDATE of `instance`,
        as SQL and parameters) the history row is inserted by the same statement, only if the UPDATE found
        its row. Returns whether a history row was written."""
        if update is None:
            super().create_historical_record(instance, history_type, using=using)
            return True
        signal_using = using if self.use_base_model_db else None
        history_date = getattr(instance, "_history_date", timezone.now())
        history_user = self.get_history_user(instance)
        history_change_reason = self.get_change_reason_for_object(instance, history_type, using)
        manager = getattr(instance, self.manager_name)
        attrs = {field.attname: getattr(instance, field.attname) for field in self.fields_included(instance)}
        if getattr(manager.model, "history_relation", None) is not None:
            attrs["history_relation"] = instance
        history_instance = manager.model(
            history_date=history_date,
            history_type=history_type,
            history_user=history_user,
            history_change_reason=history_change_reason,
            **attrs,
        )
        pre_create_historical_record.send(
            sender=manager.model,
            instance=instance,
            history_date=history_date,
            history_user=history_user,
            history_change_reason=history_change_reason,
            history_instance=history_instance,
            using=signal_using,
        )
        if not _insert_with_update(history_instance, update, using):
            return False
        post_create_historical_record.send(
            sender=manager.model,
            instance=instance,
            history_instance=history_instance,
            history_date=history_date,
            history_user=history_user,
            history_change_reason=history_change_reason,
            using=signal_using,
        )
        return True


def _insert_with_update(history_instance, update: tuple[str, tuple], using: str) -> bool:
    """Insert `history_instance` in the statement of `update`, as `history_instance.save()` would (its
    `pre_save` / `post_save` signals, its field's `pre_save`, its primary key set); False, and nothing
    written, when the UPDATE found no row."""
    model = history_instance.__class__
    meta = model._meta
    connection = connections[using]
    signals.pre_save.send(sender=model, instance=history_instance, raw=False, using=using, update_fields=None)
    fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
    query = InsertQuery(model)
    query.insert_values(fields, [history_instance])
    compiler = query.get_compiler(using=using)
    row = [compiler.prepare_value(f, compiler.pre_save_val(f, history_instance)) for f in fields]
    placeholders, params = compiler.assemble_as_sql(fields, [row])
    qn = connection.ops.quote_name
    update_sql, update_params = update
    # Only quoted names, the UPDATE compiled by Django and its placeholders are interpolated; values travel
    # as parameters. INSERT … SELECT types the literals by their target columns, as VALUES does.
    sql = (
        f"WITH history_update AS ({update_sql} RETURNING 1) "  # noqa: S608 (names and placeholders only)
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"SELECT {', '.join(placeholders[0])} FROM history_update RETURNING {qn(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*update_params, *params[0]))
        found = cursor.fetchone()
    if found is None:
        return False
    setattr(history_instance, meta.pk.attname, found[0])
    history_instance._state.adding = False
    history_instance._state.db = using
    signals.post_save.send(
        sender=model, instance=history_instance, created=True, update_fields=None, raw=False, using=using
    )
    return True


class _HistoryDescriptor(HistoryDescriptor):
    """`Model.history` with its manager class built once."""

    def __init__(self, descriptor: HistoryDescriptor):
        super().__init__(descriptor.model, descriptor.manager_class, descriptor.queryset_class)
        self.built_manager_class = self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self.built_manager_class(self.model, instance)
