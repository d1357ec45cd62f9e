"""``twin inspect model.fmu``: what the user sees of an FMU (variables, causality, units, default experiment)."""
import pytest

from twin.fmu import describe


@pytest.mark.parametrize("version", [2, 3])
def test_describe_lists_variables_causality_units_and_experiment(fmu, version):
    text = describe(fmu("reactor", version))
    lines = text.splitlines()
    kinds = "(Co-Simulation, Model Exchange)"
    assert lines[0] == f"reactor_fmi{version}_co_mo.fmu: FMI {version}.0 model 'reactor' {kinds}"
    assert "default experiment: start 0, stop 3600.0, step 10.0 (times in s)" in text
    assert "2 continuous states, 0 event indicators, can save and restore its state" in text
    row = next(line.split() for line in lines if line.split()[:1] == ["T_jacket"])
    assert row[:2] == ["T_jacket", "input"] and "K" in row and "jacket" in row
    causality = [line.split()[1] for line in lines[lines.index("") + 2:]]
    assert causality == sorted(causality, key=["parameter", "input", "output", "local", "independent"].index)


def test_twin_inspect_fmu(fmu, capsys, tmp_path):
    import argparse

    from twin.plant.inspect import add_parser

    def main(argv):  # `twin inspect`, without depending on the installed entry points
        parser = argparse.ArgumentParser(prog="twin")
        add_parser(parser.add_subparsers())
        args = parser.parse_args(argv)
        return args.func(args)

    assert main(["inspect", str(fmu("tcu", 3))]) == 0
    out = capsys.readouterr().out
    assert "FMI 3.0 model 'tcu'" in out and "T_set" in out
    (tmp_path / "broken.fmu").write_text("not a zip")
    assert main(["inspect", str(tmp_path / "broken.fmu")]) == 2
    assert "not an FMU" in capsys.readouterr().err
