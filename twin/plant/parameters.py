"""The asset parameters the engine knows, each with its SI unit: ``params: {volume: 4 m3, stroke_time: 2 s}``.

An overlay's ``params:`` are free (a tool may carry its own), but a known name must hold what it means: a volume in
m3 and not negative, a time in seconds and not ``2 parsecs``. Each is checked where it is read, with file, line and
key, by :class:`Params` (the ``params:`` schema of ``plant.yaml``); names not listed here stay free
(:class:`twin.config.Param`: ``value unit`` strings become SI floats, anything else as written).

>>> from twin import config
>>> config.loads("params: {volume: -4 m3}", config.Record({"params": Params()}), file="plant.yaml")
Traceback (most recent call last):
...
twin.config.ConfigError: plant.yaml:1, key 'params.volume': got str '-4 m3': it cannot be negative
  expected: a number in m**3 or a 'value unit' string like '4 m3', not negative
"""
from __future__ import annotations

import difflib

from twin.config import Integer, MapOf, Number, Param, Quantity, Schema, Str

#: name -> schema: what the engine's behaviours and studies read from ``asset.params`` (see twin.behaviours)
KNOWN: dict[str, Schema] = {
    "volume": Quantity("m**3", "4 m3"), "hopper_volume": Quantity("m**3", "60 L"),
    "filter_area": Quantity("m**2", "2 m2"),
    "duration": Quantity("s", "3 h"), "stroke_time": Quantity("s", "2 s"), "switch_time": Quantity("s", "0.5 s"),
    "interval": Quantity("s", "5 s", positive=True), "mean_residence_time": Quantity("s", "90 s", positive=True),
    "jacket_ua": Quantity("W/K", "2.5 kW/K"), "ua": Quantity("W/K", "1.2 kW/K"),
    "max_temperature": Quantity("K", "80 degC"), "supply_temperature": Quantity("K", "6 degC"),
    "design_pressure": Quantity("Pa", "6 bar"), "pressure": Quantity("Pa", "0.5 bar"),
    "rated_flow": Quantity("m**3/s", "10 m3/h"), "supply_airflow": Quantity("m**3/s", "12000 m3/h"),
    "feed_rate": Quantity("kg/s", "6 kg/h", positive=True), "batch_size": Quantity("kg", "300 kg"),
    "tablet_mass": Quantity("kg", "400 mg", positive=True), "bulk_density": Quantity("kg/m**3", "500 kg/m3"),
    "cooling_capacity": Quantity("W", "120 kW", minimum=1e3),  # the part-load curves: chillers of kW and up
    "impeller_speed": Quantity("radian/s", "250 rpm"), "turret_speed": Quantity("radian/s", "60 rpm"),
    "refill_level": Quantity("1", "20 %"), "api_target": Quantity("1", "30 %"), "api_tolerance": Quantity("1", "5 %"),
    "tanks": Integer(minimum=1), "stations": Integer(minimum=1), "material": Str(),
    # degradation (the maintenance study, twin.monitor.degradation): a Weibull lifetime, or a wear indicator from 0
    # (new) to 1 (failed) as a Wiener process of mean life and the life's coefficient of variation
    "weibull_shape": Number(minimum=0.05), "weibull_scale": Quantity("s", "2000 h", positive=True),
    "wear_mean_life": Quantity("s", "2000 h", minimum=1.0),  # at least 1 s: the drift 1 / life finite
    # the life's cv: below 1e-154 its square underflows, above 1e154 it overflows (ValueError, ZeroDivisionError in
    # the study); 1 % is already a life as good as certain, and beyond 10 the median life is under 2 % of the mean
    "wear_cv": Number(minimum=0.01, maximum=10.0),
}


class Params(MapOf):
    """An asset's ``params:``: known names checked against :data:`KNOWN`, other names free."""

    def __init__(self) -> None:
        super().__init__(Param())
        self.expected = "a mapping of parameter names to values ('value unit' strings in the parameter's unit)"

    def validate(self, value, where):
        out = super().validate(value, where)
        for name in out:
            near = difflib.get_close_matches(str(name), KNOWN, n=1, cutoff=0.85) if name not in KNOWN else None
            if near:   # a free name one typo from a known one: the known one would silently stay unset
                raise where.child(value, name).error(
                    f"'{name}' is not a known parameter",
                    hint=f"did you mean '{near[0]}'? (names of your own are free, but not this close to a known one)")
        for name, schema in KNOWN.items():
            if name in out:
                out[name] = schema.validate(value[name], where.child(value, name))
        return out
