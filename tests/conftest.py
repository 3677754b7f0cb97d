"""Settings every tier shares, applied before any test module imports the handlers."""

import os

# Powertools metrics print EMF lines to stdout; in tests they are noise (CloudWatch is not here).
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
