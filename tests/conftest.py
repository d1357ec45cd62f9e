"""Settings for the whole suite.

Hypothesis draws new examples on every run, which is how it found a 1e-149 s step that SUNDIALS cannot take. CI
must not fail on a draw nobody has seen, so `.ci/run` selects the ``ci`` profile (HYPOTHESIS_PROFILE=ci): the same
examples on every run. Developers keep the random draws.
"""
import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
