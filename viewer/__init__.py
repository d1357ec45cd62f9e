"""3D viewer (pyvista): plants, playback of results, live state and safety training. Stands on ``twin``."""
