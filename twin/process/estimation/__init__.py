"""Estimation: the twin follows a plant that is not its model, through the plant's measurements.

A first-order lag whose time constant the twin does not know (the model says 10 s, the plant has 14 s):

>>> from twin.process import Flowsheet, ProcessModel
>>> from twin.process.estimation import ExtendedKalmanFilter
>>> def lag(tau):
...     m = ProcessModel("TK-1")
...     y, u, tau_ = m.state("y", 0.0), m.input("u", 1.0), m.parameter("tau", tau, "s")
...     m.der(y, (u - y) / tau_)
...     return Flowsheet(m).build()
>>> model, plant = lag(10.0), lag(14.0)
>>> ekf = ExtendedKalmanFilter(model, measurements={"TK-1.y": 0.01}, parameters={"TK-1.tau": 5.0})
>>> from twin.process import Simulator
>>> sim = Simulator(plant)
>>> for t in range(1, 31):
...     _ = sim.advance(t)
...     ekf.predict(t)
...     _ = ekf.update({"TK-1.y": sim.outputs()[0]})   # a noise-free sensor, for the example
>>> round(ekf.mean("TK-1.tau"), 1), round(ekf.std("TK-1.tau"), 2)     # from 10 +/- 5 s
(13.8, 0.07)

- :class:`ExtendedKalmanFilter` (:mod:`.ekf`): continuous-discrete EKF; parameters are augmented states with a
  prior standard deviation and an optional random walk; covariances, NIS and gating are outputs.
- :class:`UnscentedKalmanFilter` (:mod:`.ukf`): the same interface, moments from sigma points (no Jacobians).
- :class:`MovingHorizonEstimator` (:mod:`.mhe`): CasADi/Ipopt over a window of measurements with bounds on
  parameters; its arrival cost is the EKF's mean and covariance at the window's start.
- :class:`Estimator` (:mod:`.online`): either filter on the Twin's clock and TagBus: it reads measurement and
  input tags (simulated or written live by the bridge) and writes ``<name>.est`` / ``<name>.std`` tags back.

Equations, units of the noise levels and references: ``docs/estimation.md``.
"""
from twin.process.estimation.augmented import AugmentedModel, EstimationError
from twin.process.estimation.ekf import ExtendedKalmanFilter
from twin.process.estimation.mhe import MovingHorizonEstimator
from twin.process.estimation.online import Estimator
from twin.process.estimation.ukf import UnscentedKalmanFilter

__all__ = ["AugmentedModel", "EstimationError", "Estimator", "ExtendedKalmanFilter", "MovingHorizonEstimator",
           "UnscentedKalmanFilter"]
