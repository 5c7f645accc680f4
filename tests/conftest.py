"""Shared pytest configuration: Hypothesis profiles, and a private cache folder.

`ci` (selected when the CI variable is set) keeps the whole suite well under ten minutes on a
two-core machine; `dev` is the default; `thorough` is for long runs by hand
(`HYPOTHESIS_PROFILE=thorough pytest`).
"""

import os
import tempfile

from hypothesis import HealthCheck, settings

# `derive check` caches its verdicts in $XDG_CACHE_HOME/derive: the tests write to a folder of
# their own, so they neither read a user's cache nor leave one behind.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="derive-test-cache-")

settings.register_profile(
    "ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile("dev", max_examples=40, deadline=None)
settings.register_profile("thorough", max_examples=500, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
