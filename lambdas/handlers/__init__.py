"""One Lambda handler module per route, plus the stream consumer and the nightly run.

Importing a handler builds tens of thousands of long-lived objects (boto3, Powertools, pydantic models)
and none of them is garbage, yet Python's cyclic collector scans them again and again as they pile up:
about a sixth of a cold start, measured by make bench. So the collector is paused while a handler
module imports, and every handler module ends with `imports_done()`, which moves what now exists to the
permanent generation (later collections, per request, never scan it) and resumes collecting.
"""

import gc

gc.disable()


def imports_done() -> None:
    """The last statement of every handler module (a unit test checks each one)."""
    gc.freeze()
    gc.enable()
