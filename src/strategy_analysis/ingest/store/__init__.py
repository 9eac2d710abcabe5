"""The bulk upsert of an import's rows into the run tables: staging, merging, direct COPY.

Private to the import: ``writer``, ``copy_import``, ``attached_import`` and
``stream_postgres`` reach it; nothing above ``ingest`` does.
"""
