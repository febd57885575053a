"""Training data: random native-resolution crops of (image, mask) pairs with albumentations."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from ..segment import to_input


def find_pairs(folder: str | Path) -> list[tuple[Path, Path]]:
    """(image, mask) pairs in a folder: NAME.png|jpg beside NAME.mask.png."""
    folder = Path(folder)
    pairs = []
    for m in sorted(folder.glob("*.mask.png")):
        stem = m.name[: -len(".mask.png")]
        for ext in (".png", ".jpg", ".jpeg"):
            img = folder / f"{stem}{ext}"
            if img.exists():
                pairs.append((img, m))
                break
    return pairs


def augmentation(crop: int):
    """Scale, crop (biased to speedline pixels), colour and scan degradations; no flips (maps have a direction)."""
    import albumentations as A

    return A.Compose([
        A.RandomScale(scale_limit=(-0.45, 0.25), interpolation=1, mask_interpolation=0, p=0.6),
        A.PadIfNeeded(crop, crop, border_mode=0, fill=255, fill_mask=0),
        A.OneOf([A.CropNonEmptyMaskIfExists(crop, crop), A.RandomCrop(crop, crop)], p=1.0),
        A.OneOf([A.ToGray(p=1.0), A.ChannelShuffle(p=1.0), A.HueSaturationValue(40, 40, 20, p=1.0)], p=0.5),
        A.RandomBrightnessContrast(0.2, 0.3, p=0.5),
        A.OneOf([A.GaussianBlur(blur_limit=(3, 5), p=1.0), A.Downscale(scale_range=(0.5, 0.9), p=1.0)], p=0.25),
        A.GaussNoise(std_range=(0.01, 0.08), p=0.25),
        A.ImageCompression(quality_range=(30, 90), p=0.3),
    ])


class CropStream(IterableDataset):
    """Endless stream of augmented crops; each loaded map gives `per_image` crops."""

    def __init__(self, pairs, crop: int = 256, per_image: int = 4, seed: int = 0):
        if not pairs:
            raise ValueError("no training pairs (NAME.png + NAME.mask.png) found")
        self.pairs, self.crop, self.per_image, self.seed = list(pairs), crop, per_image, seed

    def __iter__(self):
        from PIL import Image

        wi = get_worker_info()
        rng = np.random.default_rng([self.seed, wi.id if wi else 0, torch.initial_seed() % 2**31])
        aug = augmentation(self.crop)
        aug.set_random_seed(int(rng.integers(2**31)))
        while True:
            img_p, mask_p = self.pairs[int(rng.integers(len(self.pairs)))]
            img = np.asarray(Image.open(img_p).convert("RGB"))
            mask = (np.asarray(Image.open(mask_p).convert("L")) > 127).astype(np.uint8)
            ys, xs = np.nonzero(mask[::4, ::4])
            for _ in range(self.per_image):
                # pre-crop a window twice the crop size (centred on a speedline pixel most of the time),
                # so that the augmentations work on a small array, not the whole map
                win = 2 * self.crop
                if len(ys) and rng.random() < 0.7:
                    k = int(rng.integers(len(ys)))
                    cy, cx = ys[k] * 4 + int(rng.integers(-self.crop // 2, self.crop // 2 + 1)), xs[k] * 4 + int(
                        rng.integers(-self.crop // 2, self.crop // 2 + 1))
                else:
                    cy, cx = int(rng.integers(img.shape[0])), int(rng.integers(img.shape[1]))
                y0 = int(np.clip(cy - win // 2, 0, max(0, img.shape[0] - win)))
                x0 = int(np.clip(cx - win // 2, 0, max(0, img.shape[1] - win)))
                r = aug(image=img[y0:y0 + win, x0:x0 + win], mask=mask[y0:y0 + win, x0:x0 + win])
                yield torch.from_numpy(to_input(r["image"])), torch.from_numpy(r["mask"][None].astype(np.float32))
