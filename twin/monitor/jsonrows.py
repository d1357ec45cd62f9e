"""The check's verdict as JSON, one row per sample, built column by column in Arrow instead of row by row.

>>> import io, json
>>> import numpy as np
>>> from twin.monitor import fit_pca
>>> rng = np.random.default_rng(0)
>>> model = fit_pca(rng.normal(size=(200, 3)), ["A.x", "A.y", "A.z"], components=1)
>>> out = io.StringIO()
>>> write_json(out, model, model.check([[0.0, 0.0, 0.0], [0.0, 9.0, 0.0]]), top=1)
>>> [(row["alarm"], row["top"]) for row in json.loads(out.getvalue())["rows"]]
[(False, []), (True, ['A.y'])]

A million rows written one by one cost about 10 s of Python (a float's ``repr``, a ``json.dumps`` and a sort per
alarm); here each field is one Arrow kernel over the column (a float cast to its shortest round-trip text, string
concatenation), the alarms' top tags come from a few NumPy argmax passes over the shares of each block of alarms,
and the rows' text goes out as one buffer per block, its bytes written as Arrow holds them (no Python string of
90 MB). Numbers are the shortest text that reads back to the same float (``2`` for 2.0, ``1e-7``); a sample that
could not be scored has ``null`` statistics.
"""
from __future__ import annotations

import json

import numpy as np

#: Rows formatted at once: bounds the text held in memory (about 100 MB a million rows) and Arrow's 2 GB strings.
BLOCK = 1 << 20


def write_json(out, model, result, top: int) -> None:
    """Write ``{"limits": ..., "alarm_fraction": f, "rows": [{"t2", "spe", "alarm", "top"[, "quality"]}, ...]}``
    for the check ``result`` of ``model`` to the text stream ``out``; ``top``: tags named per alarm."""
    limits = json.dumps({"t2": model.t2_limit, "spe": model.spe_limit, "confidence": model.confidence,
                         "spe_method": model.spe_method, "kind": model.limits})
    out.write(f'{{"limits": {limits}, "alarm_fraction": {result.alarm_fraction!r}, "rows": [')
    tops = _top_tags(result, top)
    quality = model.predict(result.x) if hasattr(model, "y_tags") else None  # PLS: each sample's predicted quality
    raw = getattr(out, "buffer", None)   # a text file's bytes underneath (stdout): written to directly
    for start in range(0, len(result.t2), BLOCK):
        rows = slice(start, start + BLOCK)
        text = _rows(result, rows, tops[rows], None if quality is None else (model.y_tags, quality[rows]))
        if start + BLOCK >= len(result.t2):
            text = text[:-2]            # the last row: no ", " after it
        if raw is not None:
            out.flush()
            raw.write(text)
        else:
            out.write(str(text, "utf-8"))
    out.write("]}\n")


def _rows(result, rows: slice, tops, quality) -> memoryview:
    """The UTF-8 text of the JSON objects of ``rows``, each followed by ``", "``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    fields = ['{"t2": ', _numbers(result.t2[rows]), ', "spe": ', _numbers(result.spe[rows]),
              ', "alarm": ', pc.if_else(pa.array(result.alarm[rows]), "true", "false"), ', "top": ', tops]
    if quality is not None:
        tags, values = quality
        for k, tag in enumerate(tags):
            fields += [(', "quality": {' if k == 0 else ", ") + json.dumps(tag) + ": ", _numbers(values[:, k])]
        fields.append("}")
    fields.append("}, ")
    text = pc.binary_join_element_wise(*fields, "")
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset: text.offset + len(text) + 1]
    return memoryview(text.buffers()[2])[offsets[0]: offsets[-1]]


def _numbers(values: np.ndarray):
    """Each float as its shortest round-trip text; NaN and infinities as ``null``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = pa.array(values, type=pa.float64())
    return pc.if_else(pc.is_finite(column), pc.cast(column, pa.string()), "null")


def _top_tags(result, top: int):
    """Each row's ``top`` list as JSON text: the alarms' largest shares (ties to the earlier tag), ``[]`` elsewhere."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n, count = len(result.t2), min(top, len(result.tags))
    empty = pa.repeat(pa.scalar("[]"), n)
    if not len(result.rows) or count <= 0:
        return empty
    order = np.empty((len(result.rows), count), dtype=np.intp)
    for k, share in result.share_blocks():   # the largest shares by repeated argmax (ties: the earlier tag)
        share = share.copy()
        for c in range(count):
            order[k, c] = j = np.argmax(share, axis=1)
            share[np.arange(len(share)), j] = -np.inf
    names = pa.array([json.dumps(tag) for tag in result.tags])
    joined = pc.binary_join_element_wise(*(pc.take(names, order[:, k]) for k in range(count)), ", ")
    mask = np.zeros(n, dtype=bool)
    mask[result.rows] = True
    return pc.replace_with_mask(empty, pa.array(mask), pc.binary_join_element_wise("[", joined, "]", ""))
