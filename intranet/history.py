"""django-simple-history as the project uses it: a save and the history row it writes are one transaction,
and a historical table carries the indexes its readers use, not one per copied column.

Why (B8, docs/ged.md): simple-history writes the history row from `post_save`, which Django sends after the
save's own statement has run. Outside an atomic block that statement commits alone, then the history row
commits alone: two commits (two WAL flushes) per save, most of the measured 2.5x of a save without history,
and a crash between them left a change without its history. `SavedWithHistory` makes the save and its history
row one transaction (inside an action's `transaction.atomic` it adds nothing: `savepoint=False`).

simple-history also indexes every copied foreign key and unique column of the historical table (`folder`,
`lock_holder`, `created_by`, a tree's `path`…), which nobody reads, and each of them is written on every save.
`HistoricalRecords(no_db_index=[...], indexes=[...])` drops those and adds the composite indexes the activity
pages read (`ged/queries/activity.py`: one object's rows, or a space's rows, newest first).

And simple-history's `Model.history` builds a new manager class (`Manager.from_queryset`, an `inspect` walk of
the queryset) on every access, once per save: here it is built once.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import router, transaction
from simple_history import models as simple_history
from simple_history.manager import HistoryDescriptor

__all__ = ["HistoricalRecords", "SavedWithHistory"]


class SavedWithHistory:
    """Mixin for a model with `HistoricalRecords`: its save and the history row of that save commit together.
    A save that writes no history row (`skip_history_when_saving`, history disabled) stays one statement."""

    def save_base(self, *args, using=None, **kwargs):
        if hasattr(self, "skip_history_when_saving") or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            return super().save_base(*args, using=using, **kwargs)
        using = using or router.db_for_write(self.__class__, instance=self)
        with transaction.atomic(using=using, savepoint=False):
            return super().save_base(*args, using=using, **kwargs)


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

    def get_meta_options(self, model):
        options = super().get_meta_options(model)
        options["indexes"] = [*options.get("indexes", ()), *(index.clone() for index in self.indexes)]
        return options


class _HistoryDescriptor(HistoryDescriptor):
    """`Model.history` with its manager class built once."""

    def __init__(self, descriptor: HistoryDescriptor):
        super().__init__(descriptor.model, descriptor.manager_class, descriptor.queryset_class)
        self.built_manager_class = self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self.built_manager_class(self.model, instance)
