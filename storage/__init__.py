"""Storage: the database downstream pipelines read (see docs/schema.md).

``Store`` writes runs, items and quarantine with validity intervals and idempotent
upserts; ``Spool`` keeps items durably on disk while the database is unreachable.
"""
from storage.store import RunOrderError, RunStateError, Store, WriteResult

__all__ = ["Store", "RunOrderError", "RunStateError", "WriteResult", "Spool"]


def __getattr__(name):   # Spool imported lazily (it imports the Store)
    if name == "Spool":
        from storage.spool import Spool
        return Spool
    raise AttributeError(name)
