"""Operations: health and readiness, metrics, request ids, task leases, progress of long commands."""
