"""Developer settings: `make run` uses these."""

from pathlib import Path

import environ

# A developer's generated secrets live in var/.env (written by `make env`), read before the
# base settings parse them; the real environment always wins over the file.
environ.Env.read_env(Path(__file__).resolve().parents[2] / "var" / ".env", overwrite=False)

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = env.bool("DEBUG", default=True)
