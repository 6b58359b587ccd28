"""Loaded first (pytest.ini: -p tests.environment) so settings see these values.

Tests use their own Redis database, so a worker of a local `make run` never
picks up a test's job, and the other way round.
"""

import os

os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
