"""``python -m benchmarks.fmu [steps]``: the twin's cost per FMU communication step against fmpy's."""
import sys

from benchmarks.fmu import main

main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
