"""The pharma unit library, one module per unit or family; ``BEHAVIOURS`` maps plant-YAML names to classes."""
from twin.process.units.chiller import Chiller
from twin.process.units.cstr import CSTR
from twin.process.units.feeder import HopperRefill, LossInWeightFeeder
from twin.process.units.heat_exchanger import PlateHeatExchanger
from twin.process.units.hvac import CleanroomZone
from twin.process.units.press import TabletPress
from twin.process.units.reactor import SemiBatchReactor
from twin.process.units.rtd import AxialDispersion, Blender, TanksInSeries

#: ``behaviour:`` names of the plant YAML
BEHAVIOURS = {
    "feeder": LossInWeightFeeder,
    "blender": Blender,
    "tanks_in_series": TanksInSeries,
    "axial_dispersion": AxialDispersion,
    "tablet_press": TabletPress,
    "semi_batch_reactor": SemiBatchReactor,
    "cstr": CSTR,
    "plate_heat_exchanger": PlateHeatExchanger,
    "cleanroom_zone": CleanroomZone,
    "chiller": Chiller,
}

__all__ = ["BEHAVIOURS", "AxialDispersion", "Blender", "CSTR", "Chiller", "CleanroomZone", "HopperRefill",
           "LossInWeightFeeder",
           "PlateHeatExchanger", "SemiBatchReactor", "TabletPress", "TanksInSeries"]
