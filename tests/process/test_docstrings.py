"""The examples in the docstrings run as written."""
import doctest
import importlib

import pytest


@pytest.mark.parametrize("module", ["twin.twin", "twin.process.model", "twin.examples.osd_cm_line",
                                    "twin.examples.reactor_interlock", "twin.process.estimation",
                                    "twin.process.estimation.online"])
def test_docstring_examples(module):
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
