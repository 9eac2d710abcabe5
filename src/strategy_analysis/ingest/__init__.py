"""Ingest: export files, stream batches, the folder watcher and the demo-export generator."""
