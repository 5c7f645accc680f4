"""Shared pytest configuration: Hypothesis profiles.

`ci` (selected when the CI variable is set) keeps the whole suite well under ten minutes on a
two-core machine; `dev` is the default; `thorough` is for long runs by hand
(`HYPOTHESIS_PROFILE=thorough pytest`).
"""

import os

from hypothesis import HealthCheck, settings

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
