"""The `digitize` command: a thin Typer layer over the library's functions."""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import List, Optional, Tuple

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Digitize compressor-map images into speedline curves (CSV/JSON).\n\n"
                       "digitize MAP.png -o curves.csv        digitize a map\n\n"
                       "digitize synth | train | average | eval ...   generate data, retrain, evaluate")
SUBCOMMANDS = {"synth", "train", "average", "eval", "run"}


class UsageError(Exception):
    """Bad input from the user: exit code 2."""


@app.callback()
def _root():
    """Digitize compressor-map images into speedline curves."""


def _fail(msg: str, code: int = 1):
    typer.echo(f"error: {msg}", err=True)
    raise typer.Exit(code)


IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp"}


def _expand_inputs(inputs: List[Path]) -> list:
    files = []
    for p in inputs:
        if p.is_dir():
            files += sorted(q for q in p.iterdir() if q.suffix.lower() in IMAGE_EXTS and not q.name.endswith(".mask.png"))
        else:
            files.append(p)
    return files


@app.command("run", help="Digitize map images (this is what `digitize IMAGE ...` runs).")
def run_cmd(
    images: List[Path] = typer.Argument(..., help="map images, or folders of them", show_default=False),
    out: Optional[Path] = typer.Option(None, "-o", "--out",
                                       help="CSV file (one input) or output folder (several inputs); "
                                            "default: IMAGE.csv beside each input"),
    xlim: Optional[Tuple[float, float]] = typer.Option(None, "--xlim", help="x values at the frame's left and right edges"),
    ylim: Optional[Tuple[float, float]] = typer.Option(None, "--ylim", help="y values at the frame's bottom and top edges"),
    plot_box: Optional[Tuple[float, float, float, float]] = typer.Option(
        None, "--plot-box", help="plot frame in pixels: X0 Y0 X1 Y1 (top-left origin); default: detected"),
    x_log: bool = typer.Option(False, "--x-log", help="logarithmic x axis"),
    y_log: bool = typer.Option(False, "--y-log", help="logarithmic y axis"),
    rotation: float = typer.Option(0.0, "--rotation", help="frame rotation in degrees (counter-clockwise), with --plot-box"),
    mask: bool = typer.Option(False, "--mask", help="the input is a speedline mask (non-zero = speedline): skip the UNet"),
    json_out: bool = typer.Option(False, "--json", help="also write the result as JSON beside the CSV"),
    overlay: Optional[Path] = typer.Option(None, "--overlay",
                                           help="overlay PNG (one input) or folder; default with several inputs: none"),
    model: Optional[Path] = typer.Option(None, "--model", help="safetensors weights (default: the shipped model)"),
    device: str = typer.Option("auto", "--device", help="auto | cpu | cuda"),
    no_labels: bool = typer.Option(False, "--no-labels", help="do not read speed labels"),
    quiet: bool = typer.Option(False, "-q", "--quiet", help="print errors only"),
):
    """Digitize compressor-map images into speedline curves (CSV, optional JSON and overlay)."""
    from .calibrate import CalibrationError
    from .io import InputError
    from .pipeline import extract

    files = _expand_inputs(images)
    if not files:
        _fail("no images found in the given folder(s)", 2)
    many = len(files) > 1
    if xlim is not None and xlim[0] == xlim[1]:
        _fail(f"--xlim values must differ (got {xlim[0]:g} {xlim[1]:g})", 2)
    if ylim is not None and ylim[0] == ylim[1]:
        _fail(f"--ylim values must differ (got {ylim[0]:g} {ylim[1]:g})", 2)
    if (xlim is None) != (ylim is None):
        _fail("give both --xlim and --ylim, or neither", 2)
    if out is not None and many and out.suffix.lower() == ".csv":
        _fail("several inputs: -o must be a folder, not a .csv file", 2)
    if model is not None and not model.is_file():
        _fail(f"model weights not found: {model}", 2)
    from tqdm import tqdm

    failed = 0
    bar = tqdm(files, desc="digitize", disable=not many or quiet or not sys.stderr.isatty())
    for f in bar:
        if many or out is None:
            folder = out if out is not None else f.parent
            csv_path = folder / f"{f.stem}.csv"
        else:
            csv_path = out
        try:
            res = extract(f, xlim=xlim, ylim=ylim, plot_box=plot_box, x_log=x_log, y_log=y_log, rotation_deg=rotation,
                          mask=mask, model=model, device=device, read_labels=not no_labels)
        except (InputError, CalibrationError, FileNotFoundError) as e:
            if not many:
                usage = isinstance(e, CalibrationError) or not f.exists()
                _fail(str(e), 2 if usage else 1)
            typer.echo(f"error: {f}: {e}", err=True)
            failed += 1
            continue
        except Exception as e:  # keep a batch going; one bad map must not stop the rest
            if not many:
                _fail(f"processing {f} failed: {e.__class__.__name__}: {e}", 1)
            typer.echo(f"error: {f}: {e.__class__.__name__}: {e}", err=True)
            failed += 1
            continue
        for w in res.warnings:
            typer.echo(f"warning: {f.name}: {w}", err=True)
        res.to_csv(csv_path)
        written = [str(csv_path)]
        if json_out:
            written.append(str(res.to_json(csv_path.with_suffix(".json"))))
        ov = None
        if overlay is not None:
            ov = overlay / f"{f.stem}.overlay.png" if (many or overlay.is_dir() or overlay.suffix == "") else overlay
        elif not many:
            ov = csv_path.with_suffix(".overlay.png")
        if ov is not None:
            res.plot(ov)
            written.append(str(ov))
        if not quiet:
            n_sp = sum(c.speed is not None for c in res.curves)
            units = "axis units" if res.units == "axis" else "PIXELS (no calibration)"
            typer.echo(f"{f.name}: {len(res.curves)} speedlines ({n_sp} with speed), {units}, "
                       f"calibration {res.calibration.source} -> {', '.join(written)}")
    if failed:
        typer.echo(f"{failed} of {len(files)} inputs failed", err=True)
        raise typer.Exit(1)


@app.command("synth")
def synth_cmd(
    n: int = typer.Argument(..., help="number of maps"),
    out: Path = typer.Option(..., "-o", "--out", help="output folder"),
    seed: int = typer.Option(0, "--seed", help="series seed: the same seed gives the same maps"),
    style: Optional[str] = typer.Option(None, "--style", help="one style for all maps (default: random)"),
    start: int = typer.Option(0, "--start", help="index of the first map in the series"),
    workers: int = typer.Option(1, "--workers", "-j", help="parallel processes"),
):
    """Draw N synthetic compressor maps with exact ground truth (NAME.png, NAME.mask.png, NAME.json)."""
    from tqdm import tqdm

    from .synth import STYLES, generate_dir

    if n < 1:
        _fail("N must be at least 1", 2)
    if style is not None and style not in STYLES:
        _fail(f"unknown style {style!r}; choose from {', '.join(STYLES)}", 2)
    bar = tqdm(total=n, desc="synth", disable=not sys.stderr.isatty())

    def tick(name):
        bar.update(1)
        return name

    names = generate_dir(n, out, seed=seed, style=style, workers=workers, start=start, progress=tick)
    bar.close()
    typer.echo(f"wrote {len(names)} maps to {out}")


@app.command("train")
def train_cmd(
    data: List[Path] = typer.Argument(None, help="folders of NAME.png + NAME.mask.png pairs (from `digitize synth`, "
                                                 "or real pairs)"),
    out: Path = typer.Option(Path("speedline-unet.safetensors"), "-o", "--out", help="weights file to write"),
    synth: int = typer.Option(0, "--synth", help="first draw this many synthetic maps into DATA[0] (or runs/synth)"),
    synth_seed: int = typer.Option(1, "--synth-seed"),
    encoder: str = typer.Option("mobilenet_v2", help="smp encoder name"),
    decoder: str = typer.Option("64,32,16,16,8", help="decoder channels, comma-separated"),
    loss: str = typer.Option("bce_jaccard", help="bce_jaccard | bce_dice | dice | bce_cldice"),
    steps: int = typer.Option(2000, help="optimizer steps"),
    steps_per_epoch: int = typer.Option(100, "--steps-per-epoch", help="steps between checkpoints/LR checks"),
    batch_size: int = typer.Option(8, "--batch-size"),
    crop: int = typer.Option(256, help="crop size (native resolution)"),
    lr: float = typer.Option(1e-3),
    seed: int = typer.Option(0),
    workers: int = typer.Option(1, help="data-loader processes"),
    accelerator: str = typer.Option("auto", help="auto | cpu | gpu"),
    devices: str = typer.Option("auto", help="devices per node (Lightning)"),
    num_nodes: int = typer.Option(1, "--num-nodes"),
    precision: Optional[str] = typer.Option(None, help="Lightning precision (default: 16-mixed on GPU, else 32)"),
    resume: Optional[Path] = typer.Option(None, help="checkpoint (.ckpt) to resume from"),
    init: Optional[Path] = typer.Option(None, "--init", help="start from these weights (.safetensors), e.g. to "
                                                             "fine-tune the shipped model"),
    log_dir: Path = typer.Option(Path("runs"), "--log-dir", help="CSV logs and checkpoints"),
    val: Optional[Path] = typer.Option(None, help="validation folder of pairs"),
    max_minutes: Optional[float] = typer.Option(None, "--max-minutes", help="stop after this much time"),
    export: Optional[Path] = typer.Option(None, "--export", help="only convert this checkpoint (.ckpt) to -o weights"),
    snapshot_every: int = typer.Option(0, "--snapshot-every", help="also write OUT-stepN.safetensors every N steps"),
):
    """Train the UNet segmenter on synthetic (and optionally real) image/mask pairs."""
    from .synth import generate_dir
    from .train import export_checkpoint, train

    if export is not None:
        if not export.is_file():
            _fail(f"checkpoint not found: {export}", 2)
        export_checkpoint(export, out)
        typer.echo(f"wrote weights to {out}")
        return

    data = list(data or [])
    if synth:
        target = data[0] if data else log_dir / "synth"
        generate_dir(synth, target, seed=synth_seed, workers=max(1, workers))
        data = data or [target]
    if not data:
        _fail("give a data folder or --synth N", 2)
    for d in data:
        if not Path(d).is_dir():
            _fail(f"not a folder: {d}", 2)
    if init is not None and not init.is_file():
        _fail(f"weights not found: {init}", 2)
    if init is not None and resume is not None:
        _fail("give --init or --resume, not both", 2)
    try:
        dec = tuple(int(v) for v in decoder.split(","))
        dev = int(devices) if devices.isdigit() else devices
        train(data, out, encoder=encoder, decoder_channels=dec, loss=loss, steps=steps, steps_per_epoch=steps_per_epoch, batch_size=batch_size,
              crop=crop, lr=lr, seed=seed, workers=workers, accelerator=accelerator, devices=dev, num_nodes=num_nodes,
              precision=precision, resume=resume, log_dir=log_dir, val_dir=val, progress=sys.stderr.isatty(),
              max_minutes=max_minutes, init=init, snapshot_every=snapshot_every)
    except ValueError as e:
        _fail(str(e), 2)
    typer.echo(f"wrote weights to {out}")


@app.command("average")
def average_cmd(
    files: List[str] = typer.Argument(..., help="weights files of one architecture, each optionally FILE:WEIGHT"),
    out: Path = typer.Option(..., "-o", "--out", help="weights file to write"),
):
    """Average weights files (a model soup; with the starting weights among them, WiSE-FT fine-tuning)."""
    from .segment import average_weights

    paths, weights = [], []
    for f in files:
        path, _, w = f.rpartition(":") if ":" in f else (f, "", "1")
        try:
            weights.append(float(w))
        except ValueError:
            _fail(f"not a weight in {f!r}: give FILE or FILE:WEIGHT", 2)
        paths.append(Path(path))
    try:
        average_weights(paths, out, weights)
    except (ValueError, FileNotFoundError) as e:
        _fail(str(e), 2)
    typer.echo(f"wrote the average of {len(paths)} files to {out}")


@app.command("eval")
def eval_cmd(
    data: Optional[Path] = typer.Argument(None, help="folder written by `digitize synth` (default: draw --n maps)"),
    n: int = typer.Option(40, "--n", help="maps to draw when no folder is given"),
    seed: int = typer.Option(999, "--seed", help="series seed for drawn maps (training used 1)"),
    model: Optional[Path] = typer.Option(None, "--model", help="safetensors weights (default: shipped)"),
    device: str = typer.Option("auto", "--device"),
    tau: float = typer.Option(0.01, "--tau", help="curve tolerance, fraction of the axis span"),
    scorer: Optional[Path] = typer.Option(None, "--scorer", help="score_curves.py to use (default: bundled copy)"),
    no_auto: bool = typer.Option(False, "--no-auto", help="skip the no-hints run (OCR calibration and labels)"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="write the figures as JSON"),
):
    """Pixel IoU/Dice, skeleton precision/recall and curve scores on maps with ground truth."""
    import json
    import tempfile

    from .evaluate import evaluate, format_report
    from .synth import generate_dir

    if data is None:
        data = Path(tempfile.mkdtemp(prefix="speedline-eval-"))
        generate_dir(n, data, seed=seed)
        typer.echo(f"drew {n} maps (seed {seed}) into {data}")
    elif not data.is_dir():
        _fail(f"not a folder: {data}", 2)
    from tqdm import tqdm

    bar = tqdm(desc="eval", disable=not sys.stderr.isatty())
    s = evaluate(data, model=model, device=device, tau=tau, scorer=scorer, auto=not no_auto,
                 progress=lambda r: bar.update(1))
    bar.close()
    if s["maps"] == 0:
        _fail(f"no maps with ground truth (NAME.json) in {data}", 2)
    typer.echo(format_report(s))
    if json_out:
        from .io import atomic_write_text

        atomic_write_text(json_out, json.dumps(s, indent=1))


def main(argv: list[str] | None = None):
    """Entry point: `digitize IMAGE ...` runs the pipeline, `digitize synth|train|eval` the subcommands."""
    argv = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    if argv and argv[0] not in SUBCOMMANDS and argv[0] not in ("--help", "-h"):
        argv = ["run"] + argv
    try:
        app(argv, prog_name="digitize", standalone_mode=True)
    except SystemExit as e:
        raise SystemExit(e.code)


if __name__ == "__main__":
    main()
