"""The bulk upsert of an import's rows into the run tables: staging, merging, direct COPY.

Private to the import: ``table_writer``, ``copy_import``, ``attached_import``,
``copy_text``, ``stream_postgres`` and ``changes`` reach it; nothing above ``ingest`` does.
"""
