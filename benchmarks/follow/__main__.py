"""``python -m benchmarks.follow``: see :mod:`benchmarks.follow`."""
from benchmarks.follow import main

raise SystemExit(main())
