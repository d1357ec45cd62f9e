"""3D viewer (pyvista): plants, playback of results, live state and safety training. Stands on ``twin``.

>>> import twin.plant, viewer
>>> scene = viewer.PlantScene(twin.plant.load("plant_models/api_bay/plant.yaml"))
>>> scene.paint({"R-101": "alarm"}); scene.screenshot("bay.png")
>>> play = viewer.Playback(scene, viewer.Recording.from_result(result), [viewer.Rule("state")])
>>> viewer.export.html(scene, "bay.html")

The names are imported on first use: ``twin view --help`` does not wait for pyvista and VTK.
"""
from twin.lazy import lazy

__all__ = ["PlantScene", "Rule", "Colouring", "Recording", "Playback", "Live", "Training", "export", "headless"]
__getattr__, __dir__ = lazy(__name__, {
    "PlantScene": "viewer.scene", "headless": "viewer.scene", "Rule": "viewer.colouring",
    "Colouring": "viewer.colouring", "Recording": "viewer.recording", "Playback": "viewer.playback",
    "Live": "viewer.playback", "Training": "viewer.training", "export": "viewer.export"})
