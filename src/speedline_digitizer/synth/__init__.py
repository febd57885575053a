"""Synthetic compressor maps with exact ground truth (`digitize synth`)."""
from .maps import STYLES, SynthMap, generate, generate_dir, render, sample_map, truth_calibration, write

__all__ = ["STYLES", "SynthMap", "generate", "generate_dir", "render", "sample_map", "truth_calibration", "write"]
