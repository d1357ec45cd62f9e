"""``python -m benchmarks.estimation``: see :mod:`benchmarks.estimation`."""
from benchmarks.estimation import main

raise SystemExit(main())
