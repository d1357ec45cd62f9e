"""Monitor models as JSON files: readable, versioned, and carrying the tag names they watch.

A file of version 2 (``"format": "pharma-twin monitor"``) of a PCA monitor holds::

    kind            "pca"
    tags            the monitored tags, in the order of the variables
    lags            past samples beside each sample (0: static PCA)
    samples         training rows (after lagging)
    confidence      of the limits, in (0, 1)
    spe_method      "jackson-mudholkar", "box" or "nomikos-macgregor"
    limits          {"kind": "theoretical" or "empirical", "t2": ..., "spe": ...} at that confidence
    mean, scale     per variable (each tag, then each tag at t-1, ...), of the training data
    loadings        one row per variable, one column per component
    eigenvalues     all of them, largest first (the left-out ones set the SPE limit)
    explained_variance  the share of each component (for people; recomputed from the eigenvalues)
    training_spe    {"mean": ..., "variance": ...} of the training SPE
    source          the file it was fitted on

A PLS model (``kind: "pls"``) holds ``tags`` (the process tags), ``quality`` (the predicted tags), ``components``,
``samples``, ``confidence``, ``limits``, ``training_spe``, ``x_mean``, ``x_scale``, ``y_mean``, ``y_scale``,
``weights``, ``x_loadings``, ``y_loadings``, ``rotations`` (``W (P'W)^-1``) and ``score_variance``.

``limits.kind`` says where the limits come from (:mod:`twin.monitor.limits`): ``theoretical`` ones are recomputed on
load from the model's numbers and must match (a hand-edited limit is refused); ``empirical`` ones, the training
statistics' quantiles, are read as stored (positive and finite). Version 1 files (before ``kind``) still load, with
theoretical limits.

Numbers are written with full precision (``repr``), so a model loads exactly as it was saved. A file is written to a
temporary name and renamed, so a failed save never leaves behind something that looks like a valid model. Loading
checks the format, the version, the shapes and the limits.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

from twin.monitor.limits import LIMITS
from twin.monitor.pca import MonitorError, PCAMonitor
from twin.monitor.pls import PLSModel

PLS_ARRAYS = ("x_mean", "x_scale", "y_mean", "y_scale", "weights", "x_loadings", "y_loadings", "rotations",
              "score_variance")

FORMAT = "pharma-twin monitor"
VERSION = 2
READS = (1, 2)  # version 1: no limits.kind (theoretical limits)


def to_dict(model: PCAMonitor | PLSModel, source: str = "") -> dict:
    """The model as the JSON document described above."""
    if isinstance(model, PLSModel):
        return {"format": FORMAT, "version": VERSION, "kind": "pls", "tags": list(model.x_tags),
                "quality": list(model.y_tags), "components": model.components, "samples": model.samples,
                "confidence": model.confidence, "limits": _limits(model),
                "training_spe": {"mean": model.training_spe[0], "variance": model.training_spe[1]},
                **{name: getattr(model, name).tolist() for name in PLS_ARRAYS}, "source": source}
    return {"format": FORMAT, "version": VERSION, "kind": "pca", "tags": list(model.tags), "lags": model.lags,
            "samples": model.samples, "confidence": model.confidence, "spe_method": model.spe_method,
            "limits": _limits(model),
            "components": model.components,
            "explained_variance": model.explained_variance_ratio.tolist(),
            "mean": model.mean.tolist(), "scale": model.scale.tolist(), "loadings": model.loadings.tolist(),
            "eigenvalues": model.eigenvalues.tolist(),
            "training_spe": {"mean": model.training_spe[0], "variance": model.training_spe[1]},
            "source": source}


def _limits(model) -> dict:
    return {"kind": model.limits, "t2": model.t2_limit, "spe": model.spe_limit}


def save(model: PCAMonitor | PLSModel, path: str | Path, source: str = "") -> None:
    """Write ``model`` to ``path`` (atomically: a temporary file renamed into place)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(json.dumps(to_dict(model, source), indent=1) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load(path: str | Path) -> PCAMonitor | PLSModel:
    """Read a model file; a file of another format, version or with inconsistent contents is refused by name."""
    path = str(path)
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MonitorError(f"{path}: no such model file; fit one with twin monitor fit NORMAL.csv -o {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MonitorError(f"{path}: not a JSON model file ({exc}); fit one with twin monitor fit") from None
    return from_dict(doc, path)


def from_dict(doc: dict, path: str = "<model>") -> PCAMonitor | PLSModel:
    """The model of a JSON document (see the module's docstring)."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise MonitorError(f"{path}: not a monitor model (key 'format' should be {FORMAT!r}); fit one with "
                           "twin monitor fit")
    if doc.get("version") not in READS:
        raise MonitorError(f"{path}: model file version {doc.get('version')!r}, this pharma-twin reads versions "
                           f"{' and '.join(map(str, READS))}; fit the model again with this version (twin monitor fit)")
    if doc.get("kind") not in ("pca", "pls"):
        raise MonitorError(f"{path}: key 'kind' is {doc.get('kind')!r}; this version reads 'pca' and 'pls' models")
    _check_names(doc, path)
    kind = _kind(doc, path)
    if doc["kind"] == "pls":
        return _pls(doc, path, kind)
    try:
        tags, lags = tuple(doc["tags"]), int(doc["lags"])
        arrays = {k: np.asarray(doc[k], dtype=float) for k in ("mean", "scale", "loadings", "eigenvalues")}
        spe = doc["training_spe"]
        model = PCAMonitor(tags, lags, arrays["mean"], arrays["scale"], arrays["loadings"], arrays["eigenvalues"],
                           int(doc["samples"]), float(doc["confidence"]), str(doc["spe_method"]),
                           float(doc["limits"]["t2"]), float(doc["limits"]["spe"]),
                           (float(spe["mean"]), float(spe["variance"])), kind)
    except KeyError as exc:
        raise MonitorError(f"{path}: key {exc.args[0]!r} missing; fit the model again (twin monitor fit)") from None
    except (TypeError, ValueError) as exc:
        raise MonitorError(f"{path}: malformed model ({exc}); fit the model again (twin monitor fit)") from None
    _check_shapes(model, path)
    _check_limits(model, path)
    return model


def _check_names(doc: dict, path: str) -> None:
    """Tags named once each (a repeated tag reads one column for two variables) and a confidence in (0, 1)."""
    names = [*(doc.get("tags") or []), *(doc.get("quality") or [])]
    twice = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if twice is not None:
        raise MonitorError(f"{path}: tag {twice!r} appears twice in the model's tags; fit the model again "
                           "(twin monitor fit)")
    confidence = doc.get("confidence")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 < confidence < 1:
        raise MonitorError(f"{path}: confidence is {confidence!r}, not in (0, 1); change it with twin monitor fit "
                           "--confidence, not by hand")


def _pls(doc: dict, path: str, kind: str) -> PLSModel:
    try:
        arrays = {k: np.asarray(doc[k], dtype=float) for k in PLS_ARRAYS}
        spe = doc["training_spe"]
        model = PLSModel(tuple(doc["tags"]), tuple(doc["quality"]), *(arrays[k] for k in PLS_ARRAYS),
                         int(doc["samples"]), float(doc["confidence"]), float(doc["limits"]["t2"]),
                         float(doc["limits"]["spe"]), (float(spe["mean"]), float(spe["variance"])), kind)
    except KeyError as exc:
        raise MonitorError(f"{path}: key {exc.args[0]!r} missing; fit the model again (twin monitor fit)") from None
    except (TypeError, ValueError) as exc:
        raise MonitorError(f"{path}: malformed model ({exc}); fit the model again (twin monitor fit)") from None
    m, q, a = len(model.x_tags), len(model.y_tags), model.weights.shape[-1] if model.weights.ndim == 2 else 0
    shapes = {"x_mean": (m,), "x_scale": (m,), "y_mean": (q,), "y_scale": (q,), "weights": (m, a),
              "x_loadings": (m, a), "y_loadings": (q, a), "rotations": (m, a), "score_variance": (a,)}
    for key, want in shapes.items():
        if arrays[key].shape != want or not a:
            raise MonitorError(f"{path}: key {key!r} does not fit {m} process tags, {q} quality tags and {a} "
                               "components; fit the model again (twin monitor fit)")
    _check_limits(model, path)
    return model


def _kind(doc: dict, path: str) -> str:
    """Where the file's limits come from: ``limits.kind`` (version 2), theoretical in a version 1 file."""
    if doc["version"] == 1:
        return "theoretical"
    kind = doc["limits"].get("kind") if isinstance(doc.get("limits"), dict) else None
    if kind is None:
        raise MonitorError(f"{path}: key 'limits.kind' missing (a version 2 file says where its limits come from); "
                           "fit the model again (twin monitor fit)")
    if kind not in LIMITS:
        raise MonitorError(f"{path}: limits.kind is {kind!r}; use one of {', '.join(LIMITS)}")
    return kind


def _check_limits(model, path: str) -> None:
    """Refuse stored limits that the model's own numbers do not give (a hand-edited file); empirical limits, which
    only the training data gives, must be positive numbers."""
    if model.limits == "empirical":
        for name, stored in (("t2", model.t2_limit), ("spe", model.spe_limit)):
            if not (math.isfinite(stored) and stored > 0):
                raise MonitorError(f"{path}: limits.{name} is {stored!r}; empirical limits are positive numbers: "
                                   "fit the model again (twin monitor fit --limits empirical)")
        return
    again = model.with_confidence(model.confidence)
    for name, stored, computed in (("t2", model.t2_limit, again.t2_limit), ("spe", model.spe_limit, again.spe_limit)):
        if not math.isclose(stored, computed, rel_tol=1e-9):
            raise MonitorError(f"{path}: limits.{name} is {stored!r} but the model's numbers give {computed!r}; "
                               "the file was edited: change the confidence with --confidence, not by hand")


def _check_shapes(model: PCAMonitor, path: str) -> None:
    m = len(model.tags) * (model.lags + 1)
    shapes = {"mean": (model.mean.shape, (m,)), "scale": (model.scale.shape, (m,)),
              "eigenvalues": (model.eigenvalues.shape, (m,)),
              "loadings": (model.loadings.shape[:1] + (model.loadings.ndim,), (m, 2))}
    for key, (got, want) in shapes.items():
        if got != want:
            raise MonitorError(f"{path}: key {key!r} does not fit {len(model.tags)} tags x {model.lags + 1} lags "
                               f"({m} variables); fit the model again (twin monitor fit)")
    if not (model.scale > 0).all() or not 1 <= model.components < m:
        raise MonitorError(f"{path}: scale must be positive and components 1 to {m - 1}; fit the model again")
