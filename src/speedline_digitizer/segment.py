"""The UNet segmenter: build, save/load weights (safetensors), predict a speedline probability map.

Inference runs at full resolution, fully convolutional (padded to a multiple of 32), in overlapping
tiles for large images so memory stays bounded, on the GPU when there is one. Images larger than
`MAX_SIDE` px are read at that size and the probabilities scaled back (five synthetic maps enlarged
2x scored 0.63 read at full size, 0.71 this way; see docs/results.md); smaller images whose speedlines
are drawn thicker than the model learnt are read again smaller (`stroke_width`), and a grey plot panel
and filled colour areas are turned white first (`axes.flatten_panel`, `axes.flatten_fills`).
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

DEFAULT_WEIGHTS = "speedline-unet-mnv2.safetensors"
MAX_SIDE = 2500  # px; larger images are segmented at this size (see Segmenter.predict_batch)
THICK_LINE = 4.5  # px; speedlines drawn thicker than this are read again smaller (the model learnt 0.6-3 px)
TARGET_WIDTH = 2.75  # px; ... at the scale that makes them this wide


@dataclass(frozen=True)
class ModelConfig:
    """What it takes to rebuild the network; stored in the weights file's metadata."""

    encoder: str = "mobilenet_v2"
    decoder_channels: tuple = (64, 32, 16, 16, 8)
    in_channels: int = 3

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, s: str) -> "ModelConfig":
        d = json.loads(s)
        d["decoder_channels"] = tuple(d["decoder_channels"])
        return cls(**d)


def build_model(cfg: ModelConfig = ModelConfig()):
    """A segmentation_models_pytorch UNet with one output channel (logits); no pretrained weights."""
    import segmentation_models_pytorch as smp

    return smp.Unet(encoder_name=cfg.encoder, encoder_weights=None, in_channels=cfg.in_channels, classes=1,
                    decoder_channels=tuple(cfg.decoder_channels))


def save_weights(model, cfg: ModelConfig, path: str | Path, meta: dict | None = None) -> None:
    """Write the model's state to a safetensors file, with its config in the metadata."""
    from safetensors.torch import save_file

    # float16 on disk halves the file; weights are cast back to float32 when loaded
    state = {k: (v.detach().cpu().half() if v.is_floating_point() else v.detach().cpu()).contiguous()
             for k, v in model.state_dict().items()}
    md = {"config": cfg.to_json()}
    md.update({k: str(v) for k, v in (meta or {}).items()})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    save_file(state, str(tmp), metadata=md)
    tmp.replace(path)


def average_weights(paths: list, out: str | Path, weights: list | None = None) -> Path:
    """Write the weighted mean of weight files of one architecture to `out` (a "model soup"; with the
    starting weights among them, WiSE-FT: Wortsman et al. 2022, which keeps more of what the starting
    model did well outside the fine-tuning data). weights: one per file (default equal), normalised."""
    from safetensors import safe_open

    if len(paths) < 1:
        raise ValueError("give at least one weights file to average")
    weights = [1.0] * len(paths) if weights is None else [float(w) for w in weights]
    if len(weights) != len(paths) or min(weights) < 0 or sum(weights) <= 0:
        raise ValueError("give one non-negative weight per file, not all zero")
    total = sum(weights)
    acc, cfg, keys, parts = {}, None, None, []
    for p, w in zip(paths, weights):
        p = Path(p)
        if not p.is_file():
            raise FileNotFoundError(f"model weights not found: {p}")
        with safe_open(str(p), "pt") as fh:
            md = fh.metadata() or {}
            if cfg is None:
                cfg, keys = md.get("config"), set(fh.keys())
            elif md.get("config") != cfg or set(fh.keys()) != keys:
                raise ValueError(f"{p} is another architecture than {paths[0]}: only like models can be averaged")
            for k in fh.keys():
                t = fh.get_tensor(k)
                if t.is_floating_point():
                    acc[k] = acc.get(k, 0.0) + t.double() * (w / total)
                else:  # integer buffers (BatchNorm's batch counts): the first file's
                    acc.setdefault(k, t)
        parts.append({"file": p.name, "weight": w, "steps": md.get("steps", "")})
    model = build_model(ModelConfig.from_json(cfg))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in acc.items()})
    save_weights(model, ModelConfig.from_json(cfg), out,
                 meta={"average": json.dumps(parts), "steps": max(int(q["steps"] or 0) for q in parts)})
    return Path(out)


def default_weights_path() -> Path:
    return Path(str(resources.files("speedline_digitizer") / "weights" / DEFAULT_WEIGHTS))


def resolve_device(device: str = "auto"):
    import torch

    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda asked for, but no CUDA GPU is available")
    if device not in ("cpu", "cuda") and not device.startswith("cuda:"):
        raise ValueError(f"unknown device {device!r}: use auto, cpu or cuda")
    return torch.device(device)


@dataclass
class Segmenter:
    """A loaded UNet ready for inference (load once, call many times)."""

    model: object
    config: ModelConfig
    device: object
    meta: dict = field(default_factory=dict)
    session: object = None  # onnxruntime session when the ONNX backend is used (CPU)

    @classmethod
    def load(cls, path: str | Path | None = None, device: str = "auto", backend: str = "auto") -> "Segmenter":
        """Load weights from a safetensors file (never executes code from it); default: the shipped weights.

        backend: "torch", "onnx" (ONNX Runtime, CPU; the graph is exported once and cached), or "auto"
        (ONNX Runtime on CPU when onnx and onnxruntime are installed, else torch).
        """
        import torch
        from safetensors import safe_open
        from safetensors.torch import load_file

        path = Path(path) if path is not None else default_weights_path()
        if not path.is_file():
            raise FileNotFoundError(f"model weights not found: {path}")
        try:
            with safe_open(str(path), framework="pt") as f:
                meta = dict(f.metadata() or {})
            state = load_file(str(path))
        except Exception as e:  # safetensors raises its own error types
            raise ValueError(f"not a safetensors weights file: {path} ({e})") from None
        cfg = ModelConfig.from_json(meta["config"]) if "config" in meta else ModelConfig()
        model = build_model(cfg)
        ref = model.state_dict()
        model.load_state_dict({k: v.to(ref[k].dtype) if k in ref else v for k, v in state.items()})
        dev = resolve_device(device)
        model = model.to(dev).eval()
        session = None
        if dev.type == "cpu" and backend in ("auto", "onnx"):
            try:
                session = _onnx_session(model, path)
            except ImportError:
                if backend == "onnx":
                    raise
            except Exception as e:  # an exporter problem must not stop inference: torch still works
                log.warning("ONNX Runtime backend unavailable (%s); using torch", e)
        if dev.type == "cpu" and session is None:
            model = model.to(memory_format=torch.channels_last)
        return cls(model, cfg, dev, meta, session)

    def predict(self, image: np.ndarray, tile: int = 1024, overlap: int = 64,
                max_side: int | None = MAX_SIDE, flatten: bool = True, thick_lines: bool = True) -> np.ndarray:
        """Speedline probability (float32, H x W, 0..1) for an RGB uint8 image (see `predict_batch`)."""
        return self.predict_batch([image], tile=tile, overlap=overlap, max_side=max_side, flatten=flatten,
                                  thick_lines=thick_lines)[0]

    def predict_batch(self, images: list[np.ndarray], tile: int = 1024, overlap: int = 64,
                      max_side: int | None = MAX_SIDE, flatten: bool = True,
                      thick_lines: bool = True) -> list[np.ndarray]:
        """Probabilities for several images. An image larger than `max_side` px is read at that size
        (the training maps were at most 2,500 px wide with lines at most 3 px thick: a larger scan's
        lines are thicker than any the model saw) and its probabilities are scaled back to full size.
        flatten: a grey plot panel (ggplot-like) and filled colour areas (an efficiency field, filled
        islands) are turned white first (`axes.flatten_panel`, `axes.flatten_fills`).
        thick_lines: when the ink under the speedline pixels found is wider than THICK_LINE px
        (`stroke_width`), the image is read again scaled to make it TARGET_WIDTH px wide (a figure
        drawn at 300 dpi with 1.5 pt lines has 6 px lines)."""
        import cv2
        import torch

        from .axes import flatten_fills, flatten_panel

        out = []
        fwd = self.session if self.session is not None else self.model
        with torch.inference_mode():
            for img in images:
                if flatten:
                    img = flatten_fills(flatten_panel(img))
                h, w = img.shape[:2]
                s = max_side / max(h, w) if max_side else 1.0
                x = img if s >= 1.0 else _shrunk(img, s)
                p = _predict_tiled(fwd, self.device, to_input(x), tile, overlap)
                if thick_lines:  # lines thicker than the model learnt: read again smaller
                    sw = stroke_width(x, p)
                    if sw > THICK_LINE:
                        x2 = _shrunk(x, TARGET_WIDTH / sw)
                        p = cv2.resize(_predict_tiled(fwd, self.device, to_input(x2), tile, overlap),
                                       (x.shape[1], x.shape[0]), interpolation=cv2.INTER_LINEAR)
                out.append(p if s >= 1.0 else cv2.resize(p, (w, h), interpolation=cv2.INTER_LINEAR))
        return out


def _shrunk(img: np.ndarray, s: float) -> np.ndarray:
    """The image scaled by s < 1 (area averaging), at least 32 px a side."""
    import cv2

    h, w = img.shape[:2]
    return cv2.resize(img, (max(32, round(w * s)), max(32, round(h * s))), interpolation=cv2.INTER_AREA)


def stroke_width(img: np.ndarray, prob: np.ndarray) -> float:
    """Typical width (px) of the ink under the segmenter's speedline pixels: twice the median distance
    from their centre-line to the stroke's edge (0 when there are too few to tell)."""
    import cv2
    from skimage.morphology import skeletonize

    from .axes import dark_mask

    ink = dark_mask(img).astype(np.uint8)
    centre = skeletonize(prob > 0.5) & (ink > 0)
    if centre.sum() < 200:
        return 0.0
    dt = cv2.dilate(cv2.distanceTransform(ink, cv2.DIST_L2, 5), np.ones((3, 3), np.uint8))
    return float(2 * np.median(dt[centre]))


def to_input(image: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> float32 (3, H, W) in the range the network was trained on."""
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return (image[..., :3].astype(np.float32) / 255.0 - 0.5).transpose(2, 0, 1) / 0.25


def _forward_padded(model, device, x: np.ndarray) -> np.ndarray:
    """Forward one (3, h, w) array, padded with white to a multiple of 32."""
    import torch

    _, h, w = x.shape
    ph, pw = (-h) % 32, (-w) % 32
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, ph), (0, pw)), mode="constant", constant_values=float(x.max()) if x.size else 0)
    if not isinstance(model, torch.nn.Module):  # ONNX Runtime session
        y = model.run(None, {"x": np.ascontiguousarray(x[None], dtype=np.float32)})[0]
        return (1.0 / (1.0 + np.exp(-y[0, 0, :h, :w]))).astype(np.float32)
    t = torch.from_numpy(np.ascontiguousarray(x))[None].to(device)
    if device.type == "cuda":  # float32 (TF32 convolutions): float16 autocast cost 2.5-3 s per new input
        y = model(t)           # shape on an H100 and was no faster once warm (docs/results.md)
    else:
        y = model(t.contiguous(memory_format=torch.channels_last))
    return torch.sigmoid(y.float())[0, 0, :h, :w].cpu().numpy()


def _predict_tiled(model, device, x: np.ndarray, tile: int, overlap: int) -> np.ndarray:
    _, h, w = x.shape
    if h <= tile + overlap and w <= tile + overlap:
        return _forward_padded(model, device, x)
    out = np.zeros((h, w), np.float32)
    step = tile - overlap
    for y0 in range(0, max(h - overlap, 1), step):
        for x0 in range(0, max(w - overlap, 1), step):
            y1, x1 = min(h, y0 + tile), min(w, x0 + tile)
            ya, xa = max(0, y1 - tile), max(0, x1 - tile)
            p = _forward_padded(model, device, x[:, ya:y1, xa:x1])
            # keep the centre of each tile: drop half the overlap on inner edges
            m = overlap // 2
            cy0 = 0 if ya == 0 else m
            cx0 = 0 if xa == 0 else m
            out[ya + cy0:y1, xa + cx0:x1] = np.maximum(out[ya + cy0:y1, xa + cx0:x1], p[cy0:, cx0:])
    return out


ONNX_CACHE_KEEP = 4


def onnx_cache_dir() -> Path:
    """Where exported ONNX graphs are kept: `$SPEEDLINE_CACHE`, else `~/.cache/speedline_digitizer`."""
    import os

    return Path(os.environ.get("SPEEDLINE_CACHE", Path.home() / ".cache" / "speedline_digitizer"))


def prune_onnx_cache(cache: Path, keep: int = ONNX_CACHE_KEEP) -> list[Path]:
    """Delete all but the `keep` most recently used exports (`unet-*.onnx`) in `cache`; returns the deleted.

    Each weights file gets its own export (about 45 MB for the shipped model), so retraining would otherwise
    fill the disk with graphs of weights no longer used."""
    files = sorted(cache.glob("unet-*.onnx"), key=lambda p: p.stat().st_mtime, reverse=True)
    gone = []
    for p in files[keep:]:
        try:
            p.unlink()
            gone.append(p)
        except OSError:  # another process removed or holds it: leave it
            pass
    return gone


def _onnx_session(model, weights_path: Path):
    """An ONNX Runtime session for the model, exported once per weights file into a cache folder."""
    import hashlib
    import os
    import tempfile

    import onnxruntime as ort
    import torch

    cache = onnx_cache_dir()
    key = hashlib.sha256(Path(weights_path).read_bytes()).hexdigest()[:16]
    f = cache / f"unet-{key}.onnx"
    if f.is_file():
        try:
            os.utime(f)  # mark as used: pruning keeps the most recently used exports
        except OSError:  # a read-only cache is still read
            pass
    else:
        import onnx  # noqa: F401  (the exporter needs it; ImportError -> torch backend)

        cache.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".onnx", dir=cache)
        os.close(fd)
        try:
            torch.onnx.export(model, torch.zeros(1, 3, 64, 64), tmp, input_names=["x"], output_names=["y"],
                              dynamic_axes={"x": {2: "h", 3: "w"}, "y": {2: "h", 3: "w"}}, opset_version=17,
                              dynamo=False)
            os.replace(tmp, f)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        prune_onnx_cache(cache)
    so = ort.SessionOptions()
    so.intra_op_num_threads = max(1, torch.get_num_threads())
    so.log_severity_level = 3
    return ort.InferenceSession(str(f), so, providers=["CPUExecutionProvider"])


@lru_cache(maxsize=4)
def cached_segmenter(path: str | None, device: str, backend: str = "auto") -> Segmenter:
    """Load a model once per process and reuse it."""
    return Segmenter.load(path, device, backend)
