"""Background work of the server: the persisted import-job queue and its worker, and the
debounced trade rebuild after stream batches."""
