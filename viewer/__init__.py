"""3D viewer (pyvista): plants, playback of results, live state and safety training. Stands on ``twin``.

>>> import twin.plant, viewer
>>> scene = viewer.PlantScene(twin.plant.load("plant_models/api_bay/plant.yaml"))
>>> scene.paint({"R-101": "alarm"}); scene.screenshot("bay.png")
>>> play = viewer.Playback(scene, viewer.Recording.from_result(result), [viewer.Rule("state")])
>>> viewer.export.html(scene, "bay.html")
"""
from viewer import export
from viewer.colouring import Colouring, Rule
from viewer.playback import Live, Playback
from viewer.recording import Recording
from viewer.scene import PlantScene, headless
from viewer.training import Training

__all__ = ["PlantScene", "Rule", "Colouring", "Recording", "Playback", "Live", "Training", "export", "headless"]
