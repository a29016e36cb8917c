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
`lock_holder`, `created_by`, a tree's `path`…), its `history_date` and its `history_user`, which nobody reads
alone, and each of them is written on every save. `HistoricalRecords(no_db_index=[...], indexes=[...])` drops
those (`history_date` and `history_user` included when named) and adds the composite indexes the activity
pages read (`ged/queries/activity.py`: one object's rows, or a space's rows, newest first).

And simple-history's `Model.history` builds a new manager class (`Manager.from_queryset`, an `inspect` walk of
the queryset) on every access, once per save: here it is built once.
"""

import contextlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router, transaction
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

    @property
    def _date_indexing(self):
        # `no_db_index=["history_date", ...]`: a historical table whose readers use composite indexes
        # (`indexes`) does not also index the date alone.
        if "history_date" in self.no_db_index:
            return False
        return super()._date_indexing

    def _get_history_user_fields(self):
        fields = super()._get_history_user_fields()
        # `no_db_index=["history_user", ...]`: nobody reads these rows by author, and agents are deactivated,
        # never deleted (a deletion would set the column to NULL by a scan of the table, not an index).
        user = fields.get("history_user")
        if "history_user" in self.no_db_index and isinstance(user, models.ForeignKey):
            user.db_index = False
        return fields

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

    def _merged_plan(self) -> "_MergedPlan":
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self.__dict__["_plan"] = _MergedPlan(self)
        return plan

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
        plan = self._merged_plan()
        # The historical row built as simple-history builds it (the included fields' values, then the
        # history fields), positionally in the historical model's field order: no keyword walk per save.
        values = dict.fromkeys(plan.names)
        for attname in plan.copied:
            values[attname] = getattr(instance, attname)
        values["history_date"] = history_date
        values["history_type"] = history_type
        values["history_change_reason"] = history_change_reason
        history_instance = plan.model(*values.values())
        history_instance.history_user = history_user
        if plan.relation:
            history_instance.history_relation = instance
        pre_create_historical_record.send(
            sender=plan.model,
            instance=instance,
            history_date=history_date,
            history_user=history_user,
            history_change_reason=history_change_reason,
            history_instance=history_instance,
            using=signal_using,
        )
        if not _insert_with_update(history_instance, update, using, plan):
            return False
        post_create_historical_record.send(
            sender=plan.model,
            instance=instance,
            history_instance=history_instance,
            history_date=history_date,
            history_user=history_user,
            history_change_reason=history_change_reason,
            using=signal_using,
        )
        return True


class _MergedPlan:
    """What a merged save needs of its historical model, worked out once: the field order, the fields copied
    from the saved model, the INSERT's columns."""

    def __init__(self, records: HistoricalRecords):
        model = self.model = records.history_model
        meta = model._meta
        self.names = [f.attname for f in meta.concrete_fields]
        history = {
            "history_id",
            "history_date",
            "history_type",
            "history_change_reason",
            "history_user_id",
            "history_relation_id",
        }
        self.copied = [f.attname for f in records.fields_included(records.cls) if f.attname in self.names]
        unknown = set(self.names) - history - set(self.copied)
        if unknown:
            raise ImproperlyConfigured(f"{meta.label}: history columns not copied from the model: {unknown}")
        self.relation = getattr(model, "history_relation", None) is not None
        self.fields = [f for f in meta.local_concrete_fields if not f.generated and f is not meta.auto_field]
        # Every column a plain `%s` whose value is the attribute itself (no placeholder of its own, no
        # auto_now: simple-history clears it on the historical copies): the row's parameters are the fields'
        # `get_db_prep_save` of the attributes, without an InsertQuery and its compiler per save.
        self.plain = not any(
            hasattr(f, "get_placeholder")
            or getattr(f, "auto_now", False)
            or getattr(f, "auto_now_add", False)
            for f in self.fields
        )
        self.placeholders = ", ".join(["%s"] * len(self.fields))
        self.columns: dict[str, str] = {}

    def insert_prefix(self, connection) -> str:
        prefix = self.columns.get(connection.alias)
        if prefix is None:
            qn = connection.ops.quote_name
            columns = ", ".join(qn(f.column) for f in self.fields)
            prefix = self.columns[connection.alias] = (
                f"INSERT INTO {qn(self.model._meta.db_table)} ({columns}) "
            )
        return prefix


def _insert_with_update(history_instance, update: tuple[str, tuple], using: str, plan: _MergedPlan) -> bool:
    """Insert `history_instance` in the statement of `update`, as `history_instance.save()` would (its
    `pre_save` / `post_save` signals, its field's `pre_save`, its primary key set); False, and nothing
    written, when the UPDATE found no row."""
    model = history_instance.__class__
    meta = model._meta
    connection = connections[using]
    signals.pre_save.send(sender=model, instance=history_instance, raw=False, using=using, update_fields=None)
    fields = plan.fields
    values = [getattr(history_instance, f.attname) for f in fields]
    if plan.plain and not any(hasattr(v, "resolve_expression") for v in values):
        placeholders = plan.placeholders
        params = [f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)]
    else:
        query = InsertQuery(model)
        query.insert_values(fields, [history_instance])
        compiler = query.get_compiler(using=using)
        row = [compiler.prepare_value(f, compiler.pre_save_val(f, history_instance)) for f in fields]
        rows_placeholders, rows_params = compiler.assemble_as_sql(fields, [row])
        placeholders, params = ", ".join(rows_placeholders[0]), rows_params[0]
    update_sql, update_params = update
    # Only quoted names, the UPDATE compiled by Django and its placeholders are interpolated; values travel
    # as parameters. INSERT … SELECT types the literals by their target columns, as VALUES does.
    pk = connection.ops.quote_name(meta.pk.column)
    sql = (
        f"WITH history_update AS ({update_sql} RETURNING 1) "  # noqa: S608 (names and placeholders only)
        f"{plan.insert_prefix(connection)}SELECT {placeholders} FROM history_update RETURNING {pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*update_params, *params))
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
