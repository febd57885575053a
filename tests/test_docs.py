import doctest

import speedline_digitizer.pipeline


def test_extract_docstring_example_runs():
    result = doctest.testmod(speedline_digitizer.pipeline)
    assert result.attempted > 0 and result.failed == 0
