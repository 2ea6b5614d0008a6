"""Settings for the apply load test (bench/apply_load.py): the test settings, served by
gunicorn the way production serves them in the respects that matter here.

- Celery tasks (text extraction, sending the confirmation, search refresh) are queued to
  the in-memory broker rather than run inside the request: in production a worker runs
  them after the response.
- Persistent database connections, as production has by default (DB_CONN_MAX_AGE=60).
- The per-address limit of the apply form is lifted: every request comes from 127.0.0.1.
- Stored files go to their own folder, which the load test empties and counts.
"""

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES, VAR_DIR

CELERY_TASK_ALWAYS_EAGER = False
DATABASES["default"]["CONN_MAX_AGE"] = 60
APPLY_THROTTLE_PER_IP = 1_000_000
MEDIA_ROOT = VAR_DIR / "bench-apply-media"
DEBUG = False
