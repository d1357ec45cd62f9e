"""``python -m benchmarks.fmu [steps [repeat]]``: the twin's cost per FMU communication step against fmpy's."""
import sys

from benchmarks.fmu import main

main(*(int(a) for a in sys.argv[1:3]))
