"""Helpers of the viewer tests that read pictures: project a world point to a pixel, recognise the alarm colour,
measure how much of an image is drawn, screenshot a page in headless Chromium."""
from __future__ import annotations

import colorsys
import subprocess
from pathlib import Path

import numpy as np

SAMPLES = Path(__file__).resolve().parents[2] / "plant_models"


def project(scene, point) -> tuple[int, int]:
    """Pixel (column, row) of a world point, from the camera's own matrices (OpenGL's clip -> NDC -> window
    mapping), independently of the scene's :meth:`project`."""
    width, height = scene.plotter.window_size
    camera = scene.plotter.renderer.GetActiveCamera()
    matrix = camera.GetCompositeProjectionTransformMatrix(width / height, -1, 1)
    m = np.array([[matrix.GetElement(i, j) for j in range(4)] for i in range(4)])
    clip = m @ np.append(np.asarray(point, float), 1.0)
    ndc = clip[:3] / clip[3]
    return int((ndc[0] + 1) / 2 * width), int((1 - ndc[1]) / 2 * height)


def hue_of(pixel) -> tuple[float, float, float]:
    """(hue in degrees, saturation, value) of an RGB pixel."""
    h, s, v = colorsys.rgb_to_hsv(*(np.asarray(pixel[:3], float) / 255))
    return h * 360, s, v


def is_alarm(pixel) -> bool:
    """Magenta (the alarm colour, hue 300 deg), whatever the shading or a translucent room in front does to it."""
    h, s, v = hue_of(pixel)
    return 285 <= h <= 330 and s > 0.45 and v > 0.3


def alarm_mask(image) -> np.ndarray:
    """:func:`is_alarm` for every pixel of ``image``."""
    from matplotlib.colors import rgb_to_hsv

    hsv = rgb_to_hsv(image[..., :3] / 255.0)
    return (hsv[..., 0] * 360 >= 285) & (hsv[..., 0] * 360 <= 330) & (hsv[..., 1] > 0.45) & (hsv[..., 2] > 0.3)


def non_background(image) -> float:
    """Share of pixels that are not the white background."""
    return float(np.mean(np.any(image[..., :3] < 245, axis=-1)))


def browser_screenshot(chromium: str, page: Path, out: Path, size=(1280, 800)) -> np.ndarray:
    """Open ``page`` in headless Chromium (software WebGL) and return its screenshot."""
    from PIL import Image

    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--use-gl=swiftshader",
                    "--enable-unsafe-swiftshader", "--hide-scrollbars", f"--window-size={size[0]},{size[1]}",
                    "--virtual-time-budget=15000", f"--screenshot={out}", page.as_uri()],
                   capture_output=True, timeout=180, check=True)
    return np.asarray(Image.open(out).convert("RGB"))
