"""Object storage (S3 through django-storages): the backends the settings name, the configuration check,
and what a storage outage raises (`intranet.ops.errors.StorageUnavailable`)."""
