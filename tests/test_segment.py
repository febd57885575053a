import numpy as np
import pytest
import torch

from speedline_digitizer.segment import ModelConfig, Segmenter, build_model, default_weights_path, save_weights

TINY = ModelConfig(encoder="resnet18", decoder_channels=(16, 16, 8, 8, 8))


def test_save_and_load_weights_roundtrip(tmp_path):
    m = build_model(TINY)
    p = tmp_path / "w.safetensors"
    save_weights(m, TINY, p, meta={"note": "test"})
    seg = Segmenter.load(p, device="cpu")
    assert seg.config == TINY and seg.meta["note"] == "test"
    for k, v in m.state_dict().items():
        w = seg.model.state_dict()[k]
        assert w.dtype == v.dtype and torch.allclose(v, w, rtol=1e-3, atol=1e-4)  # stored as float16


def test_loading_refuses_non_safetensors(tmp_path):
    import pickle

    p = tmp_path / "evil.safetensors"
    p.write_bytes(pickle.dumps({"x": 1}))
    with pytest.raises(ValueError):
        Segmenter.load(p, device="cpu")


def test_inference_full_resolution_and_tiled(tmp_path):
    m = build_model(TINY)
    p = tmp_path / "w.safetensors"
    save_weights(m, TINY, p)
    seg = Segmenter.load(p, device="cpu")
    img = np.full((90, 130, 3), 255, np.uint8)
    img[40:42, 10:120] = 0
    prob = seg.predict(img)
    assert prob.shape == (90, 130) and prob.dtype == np.float32 and 0 <= prob.min() <= prob.max() <= 1
    tiled = seg.predict(img, tile=64, overlap=16)  # tiles must cover the image without seams of zeros
    assert tiled.shape == (90, 130) and (tiled > 0).all()
    # an image larger than max_side is read smaller and its probabilities come back at full size
    small = seg.predict(img, max_side=65)
    assert small.shape == (90, 130) and not np.allclose(small, prob)
    assert np.allclose(seg.predict(img, max_side=130), prob)


def test_onnx_exports_are_cached_and_only_the_most_recent_kept(tmp_path, monkeypatch):
    import os

    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("SPEEDLINE_CACHE", str(cache))
    old = []
    for i in range(5):  # exports of weights used long ago, oldest first
        f = cache / f"unet-old{i}.onnx"
        f.write_bytes(b"x")
        os.utime(f, (1_000_000 + i, 1_000_000 + i))
        old.append(f)
    (cache / "notes.txt").write_text("not an export")
    p = tmp_path / "w.safetensors"
    save_weights(build_model(TINY), TINY, p)
    seg = Segmenter.load(p, device="cpu", backend="onnx")
    assert seg.session is not None
    names = sorted(f.name for f in cache.glob("unet-*.onnx"))
    new = [n for n in names if not n.startswith("unet-old")]
    assert len(new) == 1 and names == sorted(new + ["unet-old2.onnx", "unet-old3.onnx", "unet-old4.onnx"])
    assert (cache / "notes.txt").exists()
    # loading the same weights again reuses the export and marks it used
    os.utime(cache / new[0], (1_000_000, 1_000_000))
    Segmenter.load(p, device="cpu", backend="onnx")
    assert (cache / new[0]).stat().st_mtime > 2_000_000
    assert len(list(cache.glob("unet-*.onnx"))) == 4


def test_average_weights_is_the_weighted_mean_of_like_models(tmp_path):
    from speedline_digitizer.segment import average_weights

    torch.manual_seed(0)
    a, b = build_model(TINY), build_model(TINY)
    save_weights(a, TINY, tmp_path / "a.safetensors", meta={"steps": 10})
    save_weights(b, TINY, tmp_path / "b.safetensors", meta={"steps": 30})
    out = average_weights([tmp_path / "a.safetensors", tmp_path / "b.safetensors"], tmp_path / "m.safetensors", [1, 3])
    m = Segmenter.load(out, device="cpu", backend="torch")
    la, lb = Segmenter.load(tmp_path / "a.safetensors", device="cpu", backend="torch"), \
        Segmenter.load(tmp_path / "b.safetensors", device="cpu", backend="torch")
    k = next(k for k, v in a.state_dict().items() if k.endswith("weight") and v.ndim == 4)
    want = 0.25 * la.model.state_dict()[k] + 0.75 * lb.model.state_dict()[k]
    assert not torch.allclose(la.model.state_dict()[k], lb.model.state_dict()[k], atol=1e-3)
    assert torch.allclose(m.model.state_dict()[k], want, atol=2e-3) and int(m.meta["steps"]) == 30
    other = ModelConfig(encoder="resnet18", decoder_channels=(8, 8, 8, 8, 8))
    save_weights(build_model(other), other, tmp_path / "c.safetensors")
    with pytest.raises(ValueError, match="architecture"):
        average_weights([tmp_path / "a.safetensors", tmp_path / "c.safetensors"], tmp_path / "x.safetensors")
    with pytest.raises(ValueError):
        average_weights([tmp_path / "a.safetensors"], tmp_path / "x.safetensors", [1, 2])


def test_stroke_width_measures_the_ink_under_the_speedline_pixels():
    from speedline_digitizer.segment import stroke_width

    for width in (2, 6):
        img = np.full((200, 300, 3), 255, np.uint8)
        prob = np.zeros((200, 300), np.float32)
        for k in range(3):
            y = 50 + 50 * k
            img[y - width // 2:y - width // 2 + width, 20:280] = 0
            prob[y - 1:y + 1, 20:280] = 1.0  # the segmenter found each line's middle
        assert stroke_width(img, prob) == pytest.approx(width, abs=1.0)
    assert stroke_width(img, np.zeros_like(prob)) == 0.0  # nothing found: no width


def test_shipped_weights_load():
    assert default_weights_path().is_file(), "the package must ship default weights"
    seg = Segmenter.load(device="cpu")
    assert seg.predict(np.full((64, 64, 3), 255, np.uint8)).shape == (64, 64)


def test_training_a_few_steps_lowers_the_loss(tmp_path):
    from speedline_digitizer.synth import generate_dir
    from speedline_digitizer.train import train

    data = tmp_path / "data"
    generate_dir(2, data, seed=4)
    out = tmp_path / "w.safetensors"
    train([data], out, encoder=TINY.encoder, decoder_channels=TINY.decoder_channels, steps=12, steps_per_epoch=4,
          batch_size=2, crop=96, lr=3e-3, log_dir=tmp_path / "runs", progress=False, workers=0)
    assert out.is_file()
    import csv

    rows = list(csv.DictReader(open(next((tmp_path / "runs").rglob("metrics.csv")))))
    losses = [float(r["train_loss_epoch"]) for r in rows if r.get("train_loss_epoch")]
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert Segmenter.load(out, device="cpu").config.encoder == TINY.encoder

    # fine-tuning from those weights: the architecture comes from the file, training starts from its state
    first = Segmenter.load(out, device="cpu", backend="torch")
    out2 = tmp_path / "w2.safetensors"
    train([data], out2, encoder="resnet18", steps=1, steps_per_epoch=1, batch_size=2, crop=96, lr=1e-9,
          log_dir=tmp_path / "runs2", progress=False, workers=0, init=out, snapshot_every=1)
    second = Segmenter.load(out2, device="cpu", backend="torch")
    assert second.config == first.config and int(second.meta["steps"]) == 13
    snap = Segmenter.load(tmp_path / "w2-step13.safetensors", device="cpu", backend="torch")  # --snapshot-every
    assert snap.meta["snapshot"] == "true" and int(snap.meta["steps"]) == 13
    from speedline_digitizer.train import export_checkpoint

    exported = export_checkpoint(tmp_path / "runs2" / "checkpoints" / "last.ckpt", tmp_path / "w3.safetensors")
    assert int(Segmenter.load(exported, device="cpu", backend="torch").meta["steps"]) == 13
    a, b = first.model.state_dict(), second.model.state_dict()
    k = next(k for k in a if k.endswith("weight") and a[k].ndim == 4)
    assert torch.allclose(a[k].float(), b[k].float(), atol=1e-2)


def test_eval_runs_every_stage_with_the_given_weights(tmp_path, synth_dir, monkeypatch):
    import shutil

    from speedline_digitizer import evaluate, pipeline

    p = tmp_path / "w.safetensors"
    save_weights(build_model(TINY), TINY, p)
    d = tmp_path / "one"
    d.mkdir()
    for f in sorted(synth_dir.glob("*"))[:3]:  # NAME.json, NAME.mask.png, NAME.png of the first map
        shutil.copy(f, d)
    seen = []
    real = pipeline.extract
    monkeypatch.setattr(pipeline, "extract", lambda img, **kw: seen.append(kw) or real(img, **{**kw, "read_labels": False}))
    s = evaluate.evaluate(d, model=p, device="cpu", auto=True)
    assert s["maps"] == 1 and seen and seen[0]["model"] == p  # the no-hints run uses the same weights


def test_dark_page_is_read_inverted():
    import speedline_digitizer as sd
    from speedline_digitizer.io import light_page

    img = np.full((120, 160, 3), 20, np.uint8)
    img[60:62, 10:150] = 230  # a light line on a dark page
    flipped, inverted = light_page(img)
    assert inverted and flipped[0, 0, 0] == 235 and flipped[60, 20, 0] == 25
    assert light_page(flipped)[1] is False
    filled = np.full((120, 160, 3), 255, np.uint8)
    filled[10:110, 10:150] = (68, 1, 84)  # a plot area filled with a dark colour map, on white paper
    assert light_page(filled)[1] is False
    r = sd.extract(img, xlim=(0, 1), ylim=(0, 1), plot_box=(0, 0, 159, 119), read_labels=False)
    assert any("dark background" in w for w in r.warnings)
