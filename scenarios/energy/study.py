"""Energy: what the cleanroom HVAC, chillers and boiler of the plant use and cost, and whether the rooms stay in
their GMP limits while they save (compliance is a hard limit: a strategy with any violation is marked).

Every room of the plant served by an AHU becomes a zone (volume, area and GMP grade from the plant; design air
changes and overpressure from the room's properties or the grade table of :mod:`scenarios.energy.grades`). The
scenario gives the AHUs (rooms served, outside-air fraction, fan pressure), the chillers (capacity, COP, the curves
of their capacity and efficiency against the water temperatures, water- or air-cooled), the weather (a design day or
an EPW file), the tariff (time-of-use price, demand charge), the production window and the control strategy:
constant design flow, night/weekend setback of the air changes (full air again a recovery lead before production;
the rooms' thermal mass decides whether they are back in their limits by then, :mod:`scenarios.energy.thermal`),
supply-temperature reset, chillers staged in order or committed by the hour at least cost (a MILP: start costs,
minimum run and off times). See ``osd_cm_line.yaml`` beside this file, :mod:`scenarios.energy.model` for the
physics and :mod:`scenarios.energy.params` for the parameters it reads, typed and frozen (``EnergyParams.of``).

Rooms hold their pressure cascade through the doors between them (:mod:`scenarios.energy.leakage`); a batch
campaign on the DES clock puts the equipment in its states, which set the rooms' heat and the energy per batch
(:mod:`scenarios.energy.batches`); the cooling tower, process steam and compressed air are in
:mod:`scenarios.energy.utilities`; a chilled-water tank lets the chillers pre-cool against the tariff on a plan
a week ahead (:mod:`scenarios.energy.storage`).

KPIs: ``electricity``, ``gas`` (kWh), ``cost``, ``energy_cost``, ``demand_cost`` (currency), ``peak`` (kW),
``co2`` (t), ``violation_minutes`` (room-minutes outside temperature, humidity or pressure limits, plus minutes of
unmet cooling), ``compliant`` (1 or 0), ``kwh.<use>`` (fans, chillers, pump, tower_fans, condenser_pump,
compressors, lighting, equipment, reheat, preheat, process_steam, chilled_water_idle: the chilled-water
plant's power while no coil needs cold, ...), ``kwh.grade.<grade>`` (HVAC by room grade),
``steam`` (t), ``compressed_air`` (m3), ``batches``, ``kwh_per_batch`` and ``kwh_per_batch.<product>``,
``kwh.attributed`` and ``kwh.unattributed``.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenarios.energy import batches, leakage, tariff
from scenarios.energy.chillers import CURVES as CHILLER_CURVES
from scenarios.energy.grades import DEFAULTS
from scenarios.energy.tariff import DAY
from scenarios.energy.thermal import THERMAL_MASS
from scenarios.energy.utilities import ASHRAE_90_1_FAN, F_RANGE, P_ATM
from scenarios.registry import Deferred, Study
from scenarios.scenario import check_events
from twin import plant as plants
from twin.config import Boolean, FilePath, Integer, ListOf, MapOf, Number, Quantity, Record, Str, suggest

GRADES = Str(list(DEFAULTS))
PERSON_W = 80.0   # W: a person at light bench work in a factory, sensible heat (ASHRAE Handbook - Fundamentals
#                   2013, ch. 18, table 1; the 140 W latent is not modelled: the rooms have no moisture sources)
MIN_EFFICIENCY = 0.01    # below 1 % an efficiency is a typo (0.0065 for 0.65), and 1e-313 overflows the fan power
MAX_FAN_PRESSURE = 10e3   # Pa: an AHU's fan works at 0.5-3 kPa (a judgement; 1e300 Pa overflowed the power)
AIR_RANGE = (233.15, 373.15)   # K: -40 to 100 degC, where the moist-air model (psychro) finds dew points
ROOM_DEFAULTS = {"set": 294.15, "low": 291.15, "high": 297.15, "rh_low": 0.0, "rh_high": 0.6,
                 "thermal_mass": THERMAL_MASS, "moisture_mass": 0.0}
SETBACK_DEFAULTS = {"enabled": False, "fraction": 0.5, "hold_pressure": True, "recovery": 3600.0,
                    "grades": ["C", "D", "CNC"]}
ROOM = Record({"grade": GRADES, "volume": Quantity("m**3", "150 m3"), "area": Quantity("m**2", "50 m2"),
               "ach": Number(minimum=0), "dp": Quantity("Pa", "15 Pa", minimum=None),  # rooms below their neighbours
               "thermal_mass": Number(minimum=0), "face_velocity": Quantity("m/s", "0.45 m/s", positive=True),
               "face_area": Quantity("m**2", "12 m2", positive=True)},
              name="a room override")
AHU = Record({"serves": ListOf(Str(), min_items=1), "outside_air": Number(minimum=0),
              "fan_pressure": Quantity("Pa", "1200 Pa"), "fan_efficiency": Number(minimum=0)},
             required=("serves",), defaults={"outside_air": 0.2, "fan_pressure": 1200.0, "fan_efficiency": 0.65},
             name="an air handling unit")
CHILLER = Record({"capacity": Quantity("W", "150 kW"), "cop": Number(minimum=0)},  # capacity: else the plant's
                 defaults={"cop": 5.5}, name="a chiller")
TOWER_DEFAULTS = {"approach": F_RANGE, "range": F_RANGE, "fan": ASHRAE_90_1_FAN, "head": 20.0, "pump_efficiency": 0.7}
TOWER = Record({"approach": Quantity("K", "4 K"), "range": Quantity("K", "5.6 K"), "fan": Number(minimum=0),
                "head": Quantity("m", "20 m"), "pump_efficiency": Number(minimum=0)}, defaults=TOWER_DEFAULTS,
               name="the cooling tower (fan: W per W rejected at design)")
STORAGE = Record({"capacity": Quantity("J", "2000 kWh")}, defaults={"capacity": 0.0},
                 name="a chilled-water tank (usable cold; 0: none)")
CHILLERS = Record({"units": MapOf(CHILLER), "eir": ListOf(Number(), min_items=3), "pump": Number(minimum=0),
                   "dispatch": Str(["staged", "optimal"]), "start_cost": Number(minimum=0),
                   "min_on": Quantity("s", "2 h"), "min_off": Quantity("s", "1 h"), "tower": TOWER,
                   "storage": STORAGE, "curves": Str(list(CHILLER_CURVES)),
                   "chilled_water": Quantity("K", "6.67 degC"), "condenser": Str(["water", "air"])},
                  required=("units",),
                  defaults={"eir": None, "pump": 0.03, "dispatch": "staged", "start_cost": 0.0,
                            "min_on": 0.0, "min_off": 0.0, "tower": TOWER_DEFAULTS, "storage": {"capacity": 0.0},
                            "curves": None, "chilled_water": 279.82, "condenser": "water"},
                  name="the chiller plant (with a tank, the chillers follow its hourly plan)")
WEATHER = Record({"max": Quantity("K", "32 degC"), "range": Quantity("K", "10 K"),
                  "dew_point": Quantity("K", "15 degC"), "epw": FilePath()},
                 defaults={"max": 305.15, "range": 10.0, "dew_point": 288.15, "epw": None},
                 name="the weather (a design day or an EPW file)")
PERIOD = Record({"from": Quantity("s", "7 h"), "to": Quantity("s", "22 h"), "price": Number(minimum=0)},
                required=("from", "to", "price"), name="a price period")
TARIFF = Record({"periods": ListOf(PERIOD), "demand_charge": Number(minimum=0), "currency": Str()},
                required=("periods",), defaults={"demand_charge": 0.0, "currency": "EUR"}, name="a tariff")
SETBACK = Record({"enabled": Boolean(), "fraction": Number(minimum=0), "hold_pressure": Boolean(),
                  "recovery": Quantity("s", "1 h"), "grades": ListOf(GRADES)},
                 defaults=SETBACK_DEFAULTS, name="a setback")
CONTROL = Record({"coil_leaving": Quantity("K", "12 degC"), "coil_leaving_max": Quantity("K", "18 degC"),
                  "supply_reset": Boolean(), "setback": SETBACK},
                 defaults={"coil_leaving": 285.15, "coil_leaving_max": 291.15, "supply_reset": False,
                           "setback": SETBACK_DEFAULTS}, name="the control strategy")
ROOM_LIMITS = Record({"set": Quantity("K", "21 degC"), "low": Quantity("K", "18 degC"),
                      "high": Quantity("K", "24 degC"), "rh_low": Number(minimum=0), "rh_high": Number(minimum=0),
                      "thermal_mass": Number(minimum=0), "moisture_mass": Number(minimum=0)},
                     defaults=ROOM_DEFAULTS, name="room temperatures, relative humidity (0..1), thermal mass "
                                                  "(the rooms' heat capacity as a multiple of their air's; 0: none) "
                                                  "and moisture mass (their vapour capacity as a multiple of their "
                                                  "air's: 1 the air alone; 0: the steady state)")
PRODUCTION = Record({"start": Quantity("s", "6 h"), "end": Quantity("s", "22 h"),
                     "days_per_week": Number(minimum=0, maximum=7)},
                    defaults={"start": 6 * 3600.0, "end": 22 * 3600.0, "days_per_week": 5}, name="a production window")
GAINS = Record({"production": Quantity("W/m**2", "60 W/m2"), "idle": Quantity("W/m**2", "8 W/m2")},
               defaults={"production": 60.0, "idle": 8.0}, name="internal gains per floor area")
STEP = Record({"units": ListOf(Str(), min_items=1), "time": Quantity("s", "2 h"), "clean": Quantity("s", "30 min")},
              required=("units", "time"), defaults={"clean": 0.0}, name="a step (units: tags or patterns)")
ORDER = Record({"product": Str(), "batches": Integer(minimum=1), "release": Quantity("s", "0 d"),
                "every": Quantity("s", "12 h")}, required=("product",),
               defaults={"batches": 1, "release": 0.0, "every": 0.0}, name="an order")
CAMPAIGN = Record({"products": MapOf(Record({"steps": MapOf(STEP)}, required=("steps",), name="a product")),
                   "orders": ListOf(ORDER), "duration_cv": Number(minimum=0)},
                  defaults={"products": {}, "orders": [], "duration_cv": 0.0},
                  name="a batch campaign (products and orders)")
NONE_BY_STATE = {"running": 0.0, "idle": 0.0, "cleaning": 0.0}
STEAM = Record({state: Quantity("kg/s", "50 kg/h") for state in NONE_BY_STATE}, defaults=NONE_BY_STATE,
               name="steam by state")
AIR = Record({state: Quantity("m**3/s", "30 m3/h") for state in NONE_BY_STATE}, defaults=NONE_BY_STATE,
             name="compressed air (free air delivered) by state")
EQUIPMENT = Record({"running": Quantity("W", "15 kW"), "idle": Quantity("W", "2 kW"),
                    "cleaning": Quantity("W", "3 kW"), "to_room": Number(minimum=0), "steam": STEAM, "air": AIR},
                   required=("running",), defaults={"idle": 0.0, "to_room": 1.0, "steam": NONE_BY_STATE,
                                                    "air": NONE_BY_STATE},
                   name="a unit's electric power by state, the fraction of it that heats its room, its steam and "
                        "compressed air")
BOILER_DEFAULTS = {"efficiency": 0.9, "steam_pressure": 9e5, "feed": 353.15}
BOILER = Record({"efficiency": Number(minimum=0), "steam_pressure": Quantity("Pa", "9 bar"),
                 "feed": Quantity("K", "80 degC")}, defaults=BOILER_DEFAULTS,
                name="the boiler (hot water for the coils, steam at an absolute pressure from feed water)")
COMPRESSED_AIR_DEFAULTS = {"pressure": 8e5, "efficiency": 0.55}
COMPRESSED_AIR = Record({"pressure": Quantity("Pa", "8 bar"), "efficiency": Number(minimum=0)},
                        defaults=COMPRESSED_AIR_DEFAULTS,
                        name="the compressors (absolute pressure, isothermal efficiency wire to air)")
SHIFT = Record({"from": Quantity("s", "6 h"), "to": Quantity("s", "14 h"), "rooms": MapOf(Number(minimum=0))},
               required=("from", "to", "rooms"), name="a shift (people per room)")
PEOPLE = Record({"heat": Quantity("W", "75 W"), "shifts": ListOf(SHIFT)}, defaults={"heat": PERSON_W, "shifts": []},
                name="people on shift")
LEAKAGE_DEFAULTS = {"door": 0.0124, "envelope": 1e-4, "doors": []}
LEAKAGE = Record({"door": Quantity("m**2", "124 cm2"), "envelope": Quantity("m**2/m**2", "1 cm2/m2"),
                  "doors": ListOf(ListOf(Str(), min_items=2))},
                 defaults=LEAKAGE_DEFAULTS, name="the leak paths (door gaps, the rooms' shell)")
CO2 = Record({"electricity": Quantity("kg/J", "0.35 kg/kWh"), "gas": Quantity("kg/J", "0.20 kg/kWh")},
             defaults={"electricity": 0.35 / 3.6e6, "gas": 0.20 / 3.6e6}, name="emission factors")

MAX_STEPS = 600_000


def check(params: Mapping[str, Any], tags: frozenset[str]) -> None:
    """AHUs serve rooms of the plant, each room once; the tariff covers the day; the numbers are physical."""
    from scenarios.energy.air import zones  # CasADi, CoolProp: after the schema's checks
    from scenarios.energy.params import ChillerPlant, RoomOverride
    from scenarios.energy.water import part_load

    spaces = plants.load(params["plant"]).spaces
    for number in params["rooms"]:
        if number not in spaces:
            raise params["rooms"].error(number, f"unknown room '{number}'", expected="a room number of the plant",
                                        choices=spaces)
    zone_of = zones(params["plant"], {number: RoomOverride.of(r) for number, r in params["rooms"].items()})
    ahus = params["ahus"]
    if not ahus:
        raise params.error("ahus", "no air handling units", expected="AHUs with the rooms each serves")
    served: dict[str, str] = {}
    for name, ahu in ahus.items():
        for i, room in enumerate(ahu["serves"]):
            if room not in zone_of:
                raise ahu["serves"].error(i, f"AHU {name} serves room '{room}', which the plant does not have",
                                          expected="a room number of the plant",
                                          hint=suggest(room, zone_of) or f"the rooms are {', '.join(zone_of)}")
            if room in served:
                raise ahu["serves"].error(i, f"room {room} is already served by {served[room]}",
                                          hint="a room is served by one AHU")
            served[room] = name
        if not 0 <= ahu["outside_air"] <= 1:
            raise ahus[name].error("outside_air", "the outside-air fraction must lie between 0 and 1")
        if not ahu["fan_pressure"] <= MAX_FAN_PRESSURE:
            raise ahus[name].error("fan_pressure", f"a fan pressure of {ahu['fan_pressure'] / 1e3:g} kPa",
                                   expected=f"at most {MAX_FAN_PRESSURE / 1e3:g} kPa; an AHU's fan works at "
                                            "0.5 to 3 kPa, e.g. fan_pressure: 1200 Pa")
        if not MIN_EFFICIENCY <= ahu["fan_efficiency"] <= 1:
            raise ahus[name].error("fan_efficiency", f"a fan efficiency of {ahu['fan_efficiency']:g}",
                                   expected=f"a fraction in [{MIN_EFFICIENCY:g}, 1], e.g. 0.65")
    if not params["chillers"]["units"]:
        raise params["chillers"].error("units", "no chillers", expected="chillers with capacity and COP")
    check_chillers(params)
    plant = params["chillers"]
    if plant["eir"] is not None and len(plant["eir"]) != 3:
        raise plant.error("eir", f"the part-load curve has {len(plant['eir'])} coefficients",
                          expected="[a, b, c] of EIR(PLR) = a + b PLR + c PLR^2")
    if (plant["dispatch"] == "optimal" or plant["storage"]["capacity"] > 0) \
            and not part_load(ChillerPlant.of(plant))[2] > 0:
        raise plant.error("eir", "the optimal dispatch needs a convex part-load curve (c > 0)",
                          hint="use dispatch: staged, or a curve with a positive quadratic coefficient")
    tariff.check(params["tariff"])
    check_utilities(params)
    setback = params["control"]["setback"]
    if not 0 < setback["fraction"] <= 1:
        where = setback if hasattr(setback, "error") else params
        raise where.error("fraction", "the setback fraction of the design air flow must lie in (0, 1]")
    if setback["recovery"] > params["horizon"]:
        where = setback if hasattr(setback, "error") else params
        raise where.error("recovery", f"a recovery lead of {setback['recovery'] / 3600:g} h, longer than the run",
                          expected="a lead of hours, e.g. recovery: 1 h (longer: the setback never starts)")
    limits = params["room"]
    if not limits["low"] < limits["set"] < limits["high"]:
        raise params.error("room", "the comfort band is infeasible: the set-point must lie between low and high",
                           expected="low < set < high")
    if not 0 <= limits["rh_low"] < limits["rh_high"] <= 1:
        raise params.error("room", "the humidity band is infeasible", expected="0 <= rh_low < rh_high <= 1",
                           hint="relative humidity as a fraction, e.g. rh_high: 0.6")
    check_air_temperatures(params)
    for i, pair in enumerate(params["leakage"]["doors"]):
        doors = params["leakage"]["doors"]
        if len(pair) != 2 or pair[0] == pair[1]:
            raise doors.error(i, f"a door joins two rooms, got {list(pair)}", expected="[room, room or outside]")
        for room in pair:
            if room != leakage.OUTSIDE and room not in zone_of:
                raise doors.error(i, f"door to room '{room}', which the plant does not have",
                                  expected=f"a room number of the plant or '{leakage.OUTSIDE}'",
                                  hint=suggest(room, zone_of) or f"the rooms are {', '.join(zone_of)}")
    check_batches(params, zone_of, served)
    if not params["step"] > 0:
        raise params.error("step", "the control step must be positive", expected="a time such as 5 min")
    check_events(params["horizon"], [(params, "step", params["horizon"] / params["step"], "control steps")],  # 1 ms
                 limit=MAX_STEPS, note=" (a year in 1-minute steps)", hint="lengthen the step or shorten the horizon")


def check_air_temperatures(params: Mapping[str, Any]) -> None:
    """The design day, the rooms' limits and the coil lie where the moist-air model holds (-40 to 100 degC), and so
    does the dew point of the rooms' humidity limit when the supply reset keys on it."""
    from scenarios.energy import psychro

    weather = params["weather"]
    temperatures = [("weather", "max", weather["max"]), ("weather", "range", weather["max"] - weather["range"]),
                    ("weather", "dew_point", weather["dew_point"])] if weather["epw"] is None else []
    temperatures += [("room", key, params["room"][key]) for key in ("set", "low", "high")]
    temperatures += [("control", key, params["control"][key]) for key in ("coil_leaving", "coil_leaving_max")]
    for section, key, value in temperatures:
        if not AIR_RANGE[0] <= value <= AIR_RANGE[1]:
            where = params[section] if hasattr(params[section], "error") else params
            what = "the design day's coldest hour (max - range)" if key == "range" else f"{section}.{key}"
            raise where.error(key if where is not params else section,
                              f"{what} is {value - 273.15:g} degC, outside the moist-air model's -40 to 100 degC",
                              expected="an air temperature such as 21 degC")
    room = params["room"]
    limit = psychro.humidity_ratio(room["rh_high"] * psychro.saturation_vapour_pressure(room["set"]))
    if params["control"]["supply_reset"] and psychro.vapour_pressure(limit) < psychro.saturation_vapour_pressure(
            AIR_RANGE[0]):
        raise params.error("room", f"rh_high {room['rh_high']:g} at {room['set'] - 273.15:g} degC has its dew point "
                                   "below -40 degC, where the supply reset cannot find it",
                           expected="a humidity limit such as rh_high: 0.6")


def check_chillers(params: Mapping[str, Any]) -> None:
    """Each chiller has a positive COP and a positive capacity, as given or from its asset in the plant."""
    from scenarios.energy.params import Chiller
    from scenarios.energy.water import PLANT_CAPACITY, capacity

    units = params["chillers"]["units"]
    for tag, unit in units.items():
        if not unit["cop"] > 0:
            raise unit.error("cop", f"chiller {tag} has a COP of {unit['cop']:g}", expected="a positive COP",
                             hint="e.g. cop: 5.5 (W of cooling per W of electricity at the rated point)")
        given = capacity(params["plant"], tag, Chiller(unit["capacity"], unit["cop"]))
        if given is None or not given > 0:
            raise units.error(tag, f"chiller {tag} has no capacity", expected="a positive capacity",
                              hint=f"give it, e.g. {tag}: {{capacity: 150 kW}}, or name a chiller of the plant "
                                   f"whose IFC carries {PLANT_CAPACITY}")


def check_utilities(params: Mapping[str, Any]) -> None:
    """Efficiencies in [1 %, 1], a tower with a range, compressors above the atmosphere."""
    from scenarios.energy.air import HOUR

    for section, key in (("boiler", "efficiency"), ("compressed_air", "efficiency")):
        if not MIN_EFFICIENCY <= params[section][key] <= 1:
            raise params.error(section, f"the {section.replace('_', ' ')} {key} must lie in [{MIN_EFFICIENCY:g}, 1]")
    tower = params["chillers"]["tower"]
    if not (tower["range"] > 0 and MIN_EFFICIENCY <= tower["pump_efficiency"] <= 1):
        raise params["chillers"].error("tower", "the cooling tower needs a positive range and a pump efficiency in "
                                                f"[{MIN_EFFICIENCY:g}, 1]",
                                       hint="e.g. tower: {range: 5.6 K, pump_efficiency: 0.7}")
    hourly = params["chillers"]["storage"]["capacity"] > 0 or params["chillers"]["dispatch"] == "optimal"
    if hourly and (HOUR % params["step"] or (params["horizon"] - params["warmup"]) % HOUR):
        raise params.error("step", "a chilled-water tank and the optimal dispatch are planned by the hour: the step "
                                   "must divide an hour and the run last whole hours",
                           hint="e.g. step: 5 min, horizon: 7 d")
    if params["chillers"]["min_on"] < 0 or params["chillers"]["min_off"] < 0:
        raise params["chillers"].error("min_on", "minimum run and off times cannot be negative")
    if not params["compressed_air"]["pressure"] > P_ATM:
        raise params.error("compressed_air", "the compressed-air pressure is absolute and must exceed 1 atm",
                           hint="e.g. compressed_air: {pressure: 8 bar}")


def check_batches(params: Mapping[str, Any], zone_of, served: Mapping[str, str]) -> None:
    """Orders name products, steps and equipment name units of the plant, in rooms an AHU serves."""
    plant = plants.load(params["plant"])
    campaign = params["batches"]
    for i, order in enumerate(campaign["orders"]):
        if order["product"] not in campaign["products"]:
            raise campaign["orders"].error(i, f"order of an unknown product '{order['product']}'",
                                           expected="a product of batches.products",
                                           hint=suggest(order["product"], campaign["products"]))
    for name, product in campaign["products"].items():
        for step_name, step in product["steps"].items():
            for j, pattern in enumerate(step["units"]):
                if not batches.units_of(pattern, plant.assets):
                    raise step["units"].error(j, f"step {step_name} of {name}: no unit of the plant is '{pattern}'",
                                              expected="a tag or a pattern like GR-20*",
                                              hint=suggest(pattern, plant.assets))
    for pattern in params["equipment"]:
        units = batches.units_of(pattern, plant.assets)
        if not units:
            raise params["equipment"].error(pattern, f"no unit of the plant is '{pattern}'",
                                            expected="a tag or a pattern like TP-40*",
                                            hint=suggest(pattern, plant.assets))
        if not params["equipment"][pattern]["to_room"] <= 1:
            raise params["equipment"][pattern].error("to_room", "the fraction of the power that heats the room must "
                                                     "lie in [0, 1]", hint="the rest leaves with process air")
        for unit in units:
            if plant.assets[unit].space not in served:
                raise params["equipment"].error(pattern, f"{unit} stands in room {plant.assets[unit].space}, which "
                                                         "no AHU serves: its heat would go nowhere",
                                                hint="add the room to an AHU's serves")
    for i, shift in enumerate(params["people"]["shifts"]):
        shifts = params["people"]["shifts"]
        if not 0 <= shift["from"] < shift["to"] <= DAY:
            raise shifts.error(i, "a shift runs from a time of day to a later one", expected="0 h <= from < to <= 24 h")
        for room in shift["rooms"]:
            if room not in served:
                raise shift["rooms"].error(room, f"people in room '{room}', which no AHU serves",
                                           expected="a room an AHU serves",
                                           hint=suggest(room, served) or f"the rooms are {', '.join(served)}")


STUDY = Study(
    name="energy",
    description=__doc__.splitlines()[0],
    fields={"rooms": MapOf(ROOM), "ahus": MapOf(AHU), "chillers": CHILLERS, "boiler": BOILER,
            "compressed_air": COMPRESSED_AIR,
            "weather": WEATHER, "tariff": TARIFF, "control": CONTROL, "room": ROOM_LIMITS,
            "production": PRODUCTION, "gains": GAINS, "envelope_ua": Quantity("W/(m**2*K)", "1.5 W/(m2 K)"),
            "co2": CO2, "leakage": LEAKAGE, "batches": CAMPAIGN, "equipment": MapOf(EQUIPMENT), "people": PEOPLE,
            "step": Quantity("s", "5 min")},
    defaults={"rooms": {}, "boiler": BOILER_DEFAULTS, "compressed_air": COMPRESSED_AIR_DEFAULTS,
              "weather": {"max": 305.15, "range": 10.0, "dew_point": 288.15, "epw": None},
              "control": {"coil_leaving": 285.15, "coil_leaving_max": 291.15, "supply_reset": False,
                          "setback": SETBACK_DEFAULTS},
              "room": ROOM_DEFAULTS,
              "production": {"start": 6 * 3600.0, "end": 22 * 3600.0, "days_per_week": 5},
              "gains": {"production": 60.0, "idle": 8.0}, "envelope_ua": 1.5,
              "co2": {"electricity": 0.35 / 3.6e6, "gas": 0.20 / 3.6e6}, "leakage": LEAKAGE_DEFAULTS, "step": 300.0,
              "batches": {"products": {}, "orders": [], "duration_cv": 0.0},
              "equipment": {}, "people": {"heat": PERSON_W, "shifts": []}},
    required=("ahus", "chillers", "tariff"),
    run=Deferred("scenarios.energy.model:simulate"),
    check=check,
    figures=Deferred("scenarios.energy.figures:write"),
    views=True,   # its figures ask for 3D views
)
