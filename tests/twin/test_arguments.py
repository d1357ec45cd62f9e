"""Command-line numbers, endpoints and files to write are checked when argparse reads them (twin.arguments): a
negative duration, a zero frame rate, an OPC UA port out of range or a log in a missing folder is a one-line usage
error with exit status 2 before anything is loaded or contacted, in every command that takes one (twin follow,
serve, bridge, monitor live, energy shadow, view). Before these types, ``--endpoint opc.tcp://127.0.0.1:99999``
was a ValueError traceback (exit 1) from asyncua, ``--duration -5`` or ``--fps 0`` went through, and ``twin bridge
--csv /missing/site.csv`` recorded for its whole --duration and then failed to write it."""
import argparse
import socket
from pathlib import Path

import pytest

from twin.arguments import endpoint, new_file, positive
from twin.cli import main

ROOT = Path(__file__).resolve().parents[2]

FLAGSHIP = str(ROOT / "scenarios" / "continuous_manufacturing" / "flagship.yaml")
ENERGY = str(ROOT / "scenarios" / "energy" / "osd_cm_line.yaml")
SITE = ["--start", "2026-11-16T00:00", "--dry-bulb", "A", "--dew-point", "B", "--meter", "C"]


@pytest.mark.parametrize("text", ["0", "-5", "nan", "inf", "fast", ""])
def test_positive_refuses_what_is_not_a_number_above_zero(text):
    with pytest.raises(argparse.ArgumentTypeError, match="is not a number > 0"):
        positive(text)


def test_positive_reads_a_number():
    assert positive("2.5") == 2.5 and positive("1e3") == 1000.0


@pytest.mark.parametrize("text, words", [
    ("opc.tcp://127.0.0.1:99999", "Port out of range"),
    ("opc.tcp://plc:abc", "Port could not be cast"),
    ("http://127.0.0.1:4840", "is not an OPC UA endpoint; expected opc.tcp://host:port"),
    ("127.0.0.1:4840", "is not an OPC UA endpoint"),
    ("opc.tcp://:4840", "names no host"),
])
def test_endpoint_refuses_what_asyncua_cannot_open(text, words):
    with pytest.raises(argparse.ArgumentTypeError, match=words):
        endpoint(text)


def test_endpoint_passes_a_good_one_unchanged():
    assert endpoint("opc.tcp://127.0.0.1:4840") == "opc.tcp://127.0.0.1:4840"
    assert endpoint("opc.tcp://plc.example.com") == "opc.tcp://plc.example.com"   # asyncua's default port


def test_new_file_needs_its_folder_and_is_no_folder(tmp_path):
    assert new_file(str(tmp_path / "log.csv")) == str(tmp_path / "log.csv")
    with pytest.raises(argparse.ArgumentTypeError, match="no folder .* to write it in; create it first"):
        new_file(str(tmp_path / "missing" / "log.csv"))
    with pytest.raises(argparse.ArgumentTypeError, match="is a folder; give a file name in it"):
        new_file(str(tmp_path))


@pytest.mark.parametrize("args, words", [
    (["follow", FLAGSHIP, "--endpoint", "opc.tcp://127.0.0.1:99999"], "argument --endpoint"),
    (["follow", FLAGSHIP, "--endpoint", "opc.tcp://127.0.0.1:4840", "--duration", "-5"], "argument --duration"),
    (["follow", FLAGSHIP, "--endpoint", "opc.tcp://127.0.0.1:4840", "--serve", "opc.tcp://x:70000"],
     "argument --serve"),
    (["serve", FLAGSHIP, "--speed", "0"], "argument --speed"),
    (["monitor", "live", "m.json", "--endpoint", "opc.tcp://127.0.0.1:4840", "--period", "0"], "argument --period"),
    (["energy", "shadow", ENERGY, "--endpoint", "http://site:4840", *SITE], "argument --endpoint"),
    (["energy", "shadow", ENERGY, "--endpoint", "opc.tcp://site:4840", "--duration", "-3", *SITE],
     "argument --duration"),
    (["view", "results", "--movie", "m.mp4", "--fps", "0"], "argument --fps"),
    (["view", "results", "--movie", "m.mp4", "--seconds", "-1"], "argument --seconds"),
    # a file written on exit in a folder that does not exist: a day's recording was lost at its end
    (["bridge", "map.yaml", "--duration", "86400", "--csv", "/nonexistent/site.csv"], "argument --csv"),
    (["follow", FLAGSHIP, "--endpoint", "opc.tcp://127.0.0.1:4840", "--log", "/nonexistent/f.parquet"],
     "argument --log"),
    (["monitor", "live", "m.json", "--endpoint", "opc.tcp://127.0.0.1:4840", "--csv", "/nonexistent/m.csv"],
     "argument --csv"),
    (["serve", FLAGSHIP, "--history", "/nonexistent/h.db"], "argument --history"),
])
def test_commands_refuse_them_in_one_line_with_status_2(args, words, capsys):
    with pytest.raises(SystemExit) as refused:
        main(args)
    err = capsys.readouterr().err
    assert refused.value.code == 2 and words in err and "Traceback" not in err, err
    assert len([line for line in err.splitlines() if line.startswith("twin")]) == 1, err


def test_energy_shadow_names_an_unreachable_site_with_status_4(capsys):
    """As twin follow (exit 4): the site's server not reached says so and where (it said only '[Errno 111] Connect
    call failed', exit 2 as if the input were bad)."""
    with socket.socket() as s:          # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        url = f"opc.tcp://127.0.0.1:{s.getsockname()[1]}"
    code = main(["energy", "shadow", ENERGY, "--endpoint", url, "--duration", "5", *SITE])
    err = capsys.readouterr().err
    assert code == 4 and f"cannot reach {url}" in err and "is the server running" in err, err
