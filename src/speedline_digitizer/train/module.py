"""Lightning module, losses and the `digitize train` entry point."""
from __future__ import annotations

import logging
import time
from pathlib import Path

import lightning as L
import torch
import torch.nn.functional as F

from ..segment import ModelConfig, build_model, save_weights
from .data import CropStream, find_pairs

log = logging.getLogger(__name__)
LOSSES = ("bce_jaccard", "bce_dice", "dice", "bce_cldice")


def soft_skeleton(x: torch.Tensor, iters: int = 5) -> torch.Tensor:
    """Differentiable skeleton by iterated soft erosion/dilation (Shit et al., clDice, 2021)."""
    def erode(t):
        return -F.max_pool2d(-t, 3, 1, 1)

    def dilate(t):
        return F.max_pool2d(t, 3, 1, 1)

    skel = F.relu(x - dilate(erode(x)))
    for _ in range(iters):
        x = erode(x)
        delta = F.relu(x - dilate(erode(x)))
        skel = skel + F.relu(delta - skel * delta)
    return skel


def cldice_loss(prob: torch.Tensor, target: torch.Tensor, eps: float = 1.0) -> torch.Tensor:
    sp, st = soft_skeleton(prob), soft_skeleton(target)
    tprec = ((sp * target).sum() + eps) / (sp.sum() + eps)
    tsens = ((st * prob).sum() + eps) / (st.sum() + eps)
    return 1 - 2 * tprec * tsens / (tprec + tsens)


def make_loss(name: str):
    import segmentation_models_pytorch as smp

    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose from {', '.join(LOSSES)}")
    jac = smp.losses.JaccardLoss("binary", from_logits=True)
    dice = smp.losses.DiceLoss("binary", from_logits=True)

    def loss(logits, target):
        bce = F.binary_cross_entropy_with_logits(logits, target)
        if name == "bce_jaccard":
            return bce + jac(logits, target)
        if name == "bce_dice":
            return bce + dice(logits, target)
        if name == "dice":
            return dice(logits, target)
        return bce + 0.5 * dice(logits, target) + 0.5 * cldice_loss(torch.sigmoid(logits), target)

    return loss


class SegmenterModule(L.LightningModule):
    def __init__(self, encoder: str = "mobilenet_v2", decoder_channels=(64, 32, 16, 16, 8), loss: str = "bce_jaccard",
                 lr: float = 1e-3, init_steps: int = 0):  # init_steps: steps of the weights it started from
        super().__init__()
        self.save_hyperparameters()
        self.cfg = ModelConfig(encoder=encoder, decoder_channels=tuple(decoder_channels))
        self.model = build_model(self.cfg)
        self.loss_fn = make_loss(loss)

    def forward(self, x):
        return self.model(x)

    def training_step(self, batch, _):
        import segmentation_models_pytorch as smp

        x, y = batch
        logits = self(x)
        loss = self.loss_fn(logits, y)
        tp, fp, fn, tn = smp.metrics.get_stats(torch.sigmoid(logits.detach()), y.long(), mode="binary", threshold=0.5)
        iou = smp.metrics.iou_score(tp, fp, fn, tn, reduction="micro")
        self.log("train_loss", loss, prog_bar=True, on_step=True, on_epoch=True)
        self.log("train_iou", iou, prog_bar=True, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, _):
        import segmentation_models_pytorch as smp

        x, y = batch
        logits = self(x)
        tp, fp, fn, tn = smp.metrics.get_stats(torch.sigmoid(logits), y.long(), mode="binary", threshold=0.5)
        self.log("val_loss", self.loss_fn(logits, y), prog_bar=True)
        self.log("val_iou", smp.metrics.iou_score(tp, fp, fn, tn, reduction="micro"), prog_bar=True)

    def configure_optimizers(self):
        opt = torch.optim.Adam(self.parameters(), lr=self.hparams.lr)
        sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=5)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "monitor": "train_loss_epoch", "interval": "epoch"}}


class Snapshots(L.Callback):
    """Write safetensors weights every `every` optimizer steps beside `out` (OUT_STEM-stepN.safetensors).

    Unlike Lightning checkpoints (which also hold the optimizer state), these are inference-ready files of a
    few MB: what to keep or copy off a borrowed machine to compare training stages afterwards.
    """

    def __init__(self, out: Path, every: int, init_steps: int = 0):
        self.out, self.every, self.init_steps, self.last = Path(out), int(every), int(init_steps), -1

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        step = trainer.global_step
        if step and step % self.every == 0 and step != self.last and trainer.is_global_zero:
            self.last = step
            total = step + self.init_steps
            save_weights(pl_module.model, pl_module.cfg, self.out.with_name(f"{self.out.stem}-step{total}.safetensors"),
                         meta={"loss": pl_module.hparams.loss, "steps": total, "snapshot": "true"})


def train(data_dirs: list[Path], out: Path, *, encoder: str = "mobilenet_v2", decoder_channels=(64, 32, 16, 16, 8),
          loss: str = "bce_jaccard", steps: int = 2000, steps_per_epoch: int = 100, batch_size: int = 8, crop: int = 256,
          lr: float = 1e-3, seed: int = 0, workers: int = 1, accelerator: str = "auto", devices="auto",
          num_nodes: int = 1, precision: str | None = None, resume: Path | None = None, log_dir: Path = Path("runs"),
          val_dir: Path | None = None, progress: bool = True, max_minutes: float | None = None,
          init: Path | None = None, snapshot_every: int = 0) -> Path:
    """Train a UNet on (image, mask) folders and write safetensors weights to `out`. Returns `out`.

    init: start from these safetensors weights (fine-tuning; their encoder and decoder replace the
    arguments), with a fresh optimizer. resume: continue a Lightning checkpoint exactly (optimizer,
    scheduler and step count included). snapshot_every: also write weights every N steps (see `Snapshots`).
    """
    from lightning.pytorch.callbacks import ModelCheckpoint
    from lightning.pytorch.loggers import CSVLogger
    from torch.utils.data import DataLoader

    L.seed_everything(seed, workers=True)
    pairs = [p for d in data_dirs for p in find_pairs(d)]
    if not pairs:
        raise ValueError(f"no NAME.png + NAME.mask.png pairs in {', '.join(map(str, data_dirs))}")
    dl = DataLoader(CropStream(pairs, crop=crop, seed=seed), batch_size=batch_size, num_workers=workers,
                    persistent_workers=workers > 0)
    val_dl = None
    if val_dir is not None:
        vpairs = find_pairs(val_dir)
        vds = list(_take(CropStream(vpairs, crop=crop, seed=seed + 1000), 64))
        val_dl = DataLoader(vds, batch_size=batch_size)
    init_steps = 0
    if init is not None:
        from ..segment import Segmenter

        seg = Segmenter.load(init, device="cpu", backend="torch")
        encoder, decoder_channels = seg.config.encoder, seg.config.decoder_channels
        init_steps = int(seg.meta.get("steps") or 0)
    elif resume is not None:  # a resumed fine-tuning run keeps counting from its starting weights
        init_steps = int(torch.load(str(resume), map_location="cpu", weights_only=False)
                         .get("hyper_parameters", {}).get("init_steps", 0))
    module = SegmenterModule(encoder, tuple(decoder_channels), loss, lr, init_steps)
    if init is not None:
        module.model.load_state_dict({k: v.float() for k, v in seg.model.state_dict().items()})
    ckpt = ModelCheckpoint(dirpath=log_dir / "checkpoints", save_last=True, every_n_train_steps=steps_per_epoch)
    if precision is None:
        precision = "16-mixed" if torch.cuda.is_available() and accelerator in ("auto", "gpu", "cuda") else "32-true"
    callbacks = [ckpt]
    if snapshot_every:
        callbacks.append(Snapshots(out, snapshot_every, init_steps))
    if max_minutes:
        from lightning.pytorch.callbacks import Timer

        callbacks.append(Timer(duration={"minutes": max_minutes}))
    trainer = L.Trainer(max_steps=steps, limit_train_batches=steps_per_epoch, accelerator=accelerator, devices=devices,
                        num_nodes=num_nodes, precision=precision, logger=CSVLogger(str(log_dir), name="train"),
                        callbacks=callbacks, enable_progress_bar=progress, log_every_n_steps=10,
                        limit_val_batches=None if val_dl is not None else 0, num_sanity_val_steps=0,
                        enable_model_summary=False)
    t0 = time.time()
    trainer.fit(module, dl, val_dl, ckpt_path=str(resume) if resume else None)
    if trainer.is_global_zero:
        save_weights(module.model, module.cfg, out, meta={"loss": loss, "steps": trainer.global_step + init_steps,
                                                          "seed": seed, "init": Path(init).name if init else "",
                                                          "batch_size": batch_size, "crop": crop,
                                                          "train_seconds": round(time.time() - t0)})
    return out


def _take(it, n):
    for i, x in enumerate(it):
        if i >= n:
            break
        yield x


def export_checkpoint(ckpt: Path, out: Path) -> Path:
    """Write the weights of a training checkpoint (.ckpt, our own file) as safetensors for inference."""
    state = torch.load(str(ckpt), map_location="cpu", weights_only=False)
    hp = state.get("hyper_parameters", {})
    cfg = ModelConfig(encoder=hp.get("encoder", "mobilenet_v2"),
                      decoder_channels=tuple(hp.get("decoder_channels", (64, 32, 16, 16, 8))))
    model = build_model(cfg)
    model.load_state_dict({k[len("model."):]: v for k, v in state["state_dict"].items() if k.startswith("model.")})
    steps = int(state.get("global_step", 0)) + int(hp.get("init_steps", 0))
    save_weights(model, cfg, out, meta={"loss": hp.get("loss", ""), "steps": steps,
                                        "from_checkpoint": Path(ckpt).name})
    return out
