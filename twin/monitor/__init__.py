"""Process monitoring: many tags watched together (MSPC with PCA and PLS), alarms as tags.

- :mod:`twin.monitor.pca`: fit a PCA monitor on normal operation; T-squared, SPE, their limits and contributions.
- :mod:`twin.monitor.limits`: the control limits (F distribution, Jackson-Mudholkar, Box).
- :mod:`twin.monitor.components`: how many components (explained variance, cross-validated PRESS).
- :mod:`twin.monitor.pls`: PLS (NIPALS) for quality variables predicted from process variables.
- :mod:`twin.monitor.modelfile`: models as versioned JSON files carrying their tag names.
- :mod:`twin.monitor.table`: tag tables from CSV or Parquet files.
- :mod:`twin.monitor.live`: a monitor on a TagBus (simulated or live tags) writing T-squared, SPE and alarm tags.
- :mod:`twin.monitor.charts`: control charts (T-squared, SPE, contributions) as PNG.
- :mod:`twin.monitor.degradation`: wear as a Wiener or gamma process with a failure threshold; rolling RUL.

The names are imported on first use, so ``twin monitor --help`` does not wait for SciPy or matplotlib.
"""
from twin.lazy import lazy

_WHERE = {"fit_pca": "twin.monitor.pca", "PCAMonitor": "twin.monitor.pca", "MonitorError": "twin.monitor.pca",
          "Check": "twin.monitor.pca", "fit_pls": "twin.monitor.pls", "PLSModel": "twin.monitor.pls",
          "save": "twin.monitor.modelfile", "load": "twin.monitor.modelfile", "read_table": "twin.monitor.table",
          "Monitor": "twin.monitor.live"}
__all__ = sorted(_WHERE)
__getattr__, __dir__ = lazy(__name__, _WHERE)
