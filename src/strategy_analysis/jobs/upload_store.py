"""Which uploads folder holds a job's file, so that no server claims a job it cannot read.

Servers on one PostgreSQL database share the job queue; an upload is stored in the
``UPLOAD_DIR`` of the server that received it. Servers that mount one shared folder read
each other's uploads; a server with a folder of its own must leave the others' jobs alone.
Each folder holds a marker file with a random id, written by the first server to use it;
a job records the id of the folder its file went to, and a worker claims only the jobs of
its own folder (and jobs queued before folders had ids).
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

MARKER = ".upload-store-id"


def upload_store_id(upload_dir: Path) -> str:
    """The id of ``upload_dir`` (created with the folder when it has none yet)."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    marker = upload_dir / MARKER
    if not marker.is_file():
        candidate = upload_dir / f"{MARKER}.{uuid.uuid4().hex}"
        candidate.write_text(str(uuid.uuid4()))
        try:
            # Atomic: when two servers start on a new shared folder, the first link wins
            # and both read its id.
            os.link(candidate, marker)
        except FileExistsError:
            pass
        finally:
            candidate.unlink(missing_ok=True)
    return str(uuid.UUID(marker.read_text().strip()))
