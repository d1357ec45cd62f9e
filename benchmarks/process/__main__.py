"""``python -m benchmarks.process``: the continuous core against SciPy (see :mod:`benchmarks.process.run`)."""
from benchmarks.process.run import main

raise SystemExit(main())
