"""Errors that mean "a service we depend on is down", not "the request is wrong" nor "a bug": each must reach
the agent as a French 503 page (« réessayez dans un instant »), never a 500, and leave nothing
half-written."""


class ServiceUnavailable(Exception):
    """A dependency (database, Redis, object storage...) did not answer; the request can be retried."""


class StorageUnavailable(ServiceUnavailable):
    """The file store (S3 bucket or local blob directory) did not answer or refused to work: raised by
    `ged.storage` and `intranet.storage.backends` before anything is recorded."""
