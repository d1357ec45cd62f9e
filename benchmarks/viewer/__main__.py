"""``python -m benchmarks.viewer``: time to first frame and playback fps against plain pyvista."""
from benchmarks.viewer import main

main()
