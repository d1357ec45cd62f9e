"""``python -m benchmarks.intralogistics``: 50 AGVs for a week on twin.des and SimPy (see the package)."""
from benchmarks.intralogistics import main

raise SystemExit(main())
