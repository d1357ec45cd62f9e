"""``python -m benchmarks.startup``: how fast `twin` and its commands print their help (see the package)."""
from benchmarks.startup import main

raise SystemExit(main())
