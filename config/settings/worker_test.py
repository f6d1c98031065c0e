"""The `db_worker` processes the worker tests start (shanhai/core/tests/test_workers.py).

The test settings, with the database-backed queue instead of running tasks at once. The test
passes the test database as DATABASE_URL and its own media folder as SHANHAI_MEDIA_ROOT, so
the workers read the jobs and files the test wrote.
"""

import os
from pathlib import Path

from .test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MEDIA_ROOT = Path(os.environ["SHANHAI_MEDIA_ROOT"])
