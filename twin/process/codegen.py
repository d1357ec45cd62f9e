"""Compiled mode: the model functions as C, compiled with the system C compiler, cached by the model's hash.

CasADi writes C for the DAE right-hand side, its Jacobian (used by CVODES/IDAS's Newton iterations) and the
outputs-and-guards function; ``gcc -O2`` builds a shared library once per model into the cache folder
(``$PHARMA_TWIN_CACHE`` or ``~/.cache/pharma-twin/process``), and later runs of the same model load it directly.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import casadi as ca


class CompileError(RuntimeError):
    """The C compiler is missing or failed; the message says which and how to fall back."""


def cache_dir() -> Path:
    return Path(os.environ.get("PHARMA_TWIN_CACHE", Path.home() / ".cache" / "pharma-twin")) / "process"


def compiled(functions: list[ca.Function], key: str) -> list[ca.Function]:
    """The given SX functions loaded from a compiled library (built now unless cached under ``key``).

    Each function's Jacobian is compiled alongside (``jac_<name>``), so that CasADi can differentiate them.
    """
    digest = hashlib.sha256((key + "|".join(f.serialize() for f in functions)).encode()).hexdigest()[:20]
    lib = cache_dir() / f"twin_{digest}.so"
    if not lib.exists():
        compiler = shutil.which(os.environ.get("CC", "gcc"))
        if compiler is None:
            raise CompileError("compiled mode needs a C compiler (gcc, or $CC); install one or run with "
                               "compiled=False")
        lib.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            source = f"twin_{digest}.c"
            cg = ca.CodeGenerator(source)
            for f in functions:
                cg.add(f)
                cg.add(f.jacobian())
            cg.generate(tmp + os.sep)
            partial = lib.with_suffix(f".{os.getpid()}.tmp")
            run = subprocess.run([compiler, "-O2", "-fPIC", "-shared", str(Path(tmp) / source), "-o", str(partial)],
                                 capture_output=True, text=True)
            if run.returncode:
                raise CompileError(f"{compiler} failed on the generated model code: {run.stderr[-800:]}")
            partial.replace(lib)  # atomic: a concurrent run never loads a half-written library
    return [ca.external(f.name(), str(lib)) for f in functions]
