"""Settings for the whole suite.

Hypothesis draws new examples on every run, which is how it found a 1e-149 s step that SUNDIALS cannot take. CI
must not fail on a draw nobody has seen, so `.ci/run` selects the ``ci`` profile (HYPOTHESIS_PROFILE=ci): the same
examples on every run. Developers keep the random draws.

A shell that starts a command in the background (`bash .ci/run &`, nohup) makes it ignore Ctrl-C, and every process
it starts inherits that: the tests that send SIGINT to a `twin run` they started (a terminal's Ctrl-C) would then
see it ignored. The suite hears Ctrl-C as a terminal's foreground job does, so its children do too.
"""
import os
import signal

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)
