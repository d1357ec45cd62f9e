"""``python -m benchmarks.sweep``: sweep speed-up and framework overhead (see :mod:`benchmarks.sweep`)."""
from benchmarks.sweep import main

raise SystemExit(main())
