"""``python -m benchmarks.cm``: the continuous-manufacturing flagship, timed (see :mod:`benchmarks.cm`)."""
from benchmarks.cm import main

raise SystemExit(main())
