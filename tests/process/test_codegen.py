"""Compiled mode: generated C gives the same trajectory as CasADi's virtual machine and is built once per model."""
import numpy as np

from twin.process import Flowsheet, Simulator
from twin.process.units import CSTR


def test_compiled_matches_the_virtual_machine_and_is_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("PHARMA_TWIN_CACHE", str(tmp_path))
    dae = Flowsheet(CSTR("R-1")).build()
    plain = Simulator(dae, dt=10.0).advance(3600.0)
    compiled = Simulator(dae, dt=10.0, compiled=True).advance(3600.0)
    np.testing.assert_allclose(compiled.y, plain.y, rtol=1e-9)
    libs = list((tmp_path / "process").glob("*.so"))
    assert len(libs) == 1
    built = libs[0].stat().st_mtime_ns
    Simulator(Flowsheet(CSTR("R-1")).build(), dt=10.0, compiled=True)  # same model, new objects: cache hit
    assert [p.stat().st_mtime_ns for p in (tmp_path / "process").glob("*.so")] == [built]
