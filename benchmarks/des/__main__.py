"""``python -m benchmarks.des``: the DES benchmarks side by side (see :mod:`benchmarks.des.run`)."""
from benchmarks.des.run import main

raise SystemExit(main())
