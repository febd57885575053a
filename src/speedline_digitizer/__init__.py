"""speedline-digitizer: turn an image of a compressor map into speedline curves.

>>> import speedline_digitizer as sd
>>> result = sd.extract("map.png")            # doctest: +SKIP
>>> result.to_csv("curves.csv")               # doctest: +SKIP
"""
from .calibrate import Calibration, CalibrationError
from .io import InputError
from .pipeline import extract
from .postprocess import curves_from_mask
from .result import Curve, Extraction

__version__ = "0.1.0"
__all__ = ["extract", "curves_from_mask", "Calibration", "CalibrationError", "Curve", "Extraction", "InputError",
           "__version__"]
