"""Validation scores and sample grids during training (rank 0 only).

Colorizers and translators are scored per image and averaged; a damage detector
(task ``restore``) on the pixels of the whole validation set at once (pooled counts at a
threshold of 0.5: precision, recall, F1 and the share of pixels flagged); a learned fill
(task ``inpaint``) on every hole pixel of the set at once, beside Telea's fill of the same
holes (the fill to beat)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import torch

from colorstudio.core.io.atomic import atomic_write
from colorstudio.core import color
from colorstudio.core.restore import repair
from trainer.engine import scores

MASK_THRESHOLD = 0.5   # a pixel's damage probability from which it counts as flagged
RED = np.array([1.0, 0.0, 0.0], np.float32)


def _to01(t: torch.Tensor) -> np.ndarray:
    """A translator's (3, H, W) tensor in [-1, 1] -> RGB (H, W, 3) in [0, 1]."""
    return color.denormalize_rgb(t.numpy().transpose(1, 2, 0))


def _gray(l_norm: torch.Tensor) -> np.ndarray:
    """A network's l_norm (H, W) -> gray RGB (H, W, 3) in [0, 1]."""
    return np.repeat(color.l_to_float01(color.denormalize_l(l_norm.numpy()))[:, :, None], 3, 2)


def mask_overlay(gray: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Gray RGB (H, W, 3) with the pixels of boolean ``mask`` (H, W) painted red: pure red,
    so a 1-px scratch still shows in a sample grid."""
    out = gray.copy()
    out[mask] = RED
    return out


def _resize_ab(ab: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    import cv2

    if ab.shape[:2] == tuple(shape):
        return ab
    return cv2.resize(ab, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)


class Validator:
    """Scores and sample grids of the generator on the run's validation images.

    ``generator()`` gives the network to judge (the moving average when there is one);
    ``inputs(x, y, rng)`` makes its input from a batch, as the training step does (hints
    sampled the same way)."""

    def __init__(self, cfg, val_set, layout, device: torch.device,
                 inputs: Callable[[torch.Tensor, torch.Tensor, np.random.Generator], torch.Tensor],
                 generator: Callable[[], torch.nn.Module]):
        self.cfg, self.val_set, self.layout, self.device = cfg, val_set, layout, device
        self._inputs, self.generator = inputs, generator

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Generator output in the task's image space (ab_norm, RGB in [-1, 1], or the
        damage probability 0..1); the moving average of G when ``ema`` is on."""
        g = self.generator()
        was = g.training
        g.eval()
        try:
            x = x.to(self.device)
            if self.cfg.task == "colorize":
                out = g.predict_ab(x)
            elif self.cfg.task == "restore":
                out = torch.sigmoid(g(x).float())
            else:
                out = g(x)
        finally:
            g.train(was)
        return out.float().cpu()

    def _val_batches(self):
        n = min(len(self.val_set), self.cfg.val_images)
        for s in range(0, n, 16):
            items = [self.val_set[i] for i in range(s, min(n, s + 16))]
            xs, ys = zip(*items)
            yield torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))

    def validate(self) -> dict[str, float]:
        if self.cfg.task == "restore":
            return self._validate_masks()
        if self.cfg.task == "inpaint":
            return self._validate_fills()
        acc: dict[str, list[float]] = {}
        rng = np.random.default_rng(4321)
        for x, y in self._val_batches():
            xin = self._inputs(x, y, rng)
            out = self.predict(xin)
            for i in range(x.shape[0]):
                for k, v in self._image_scores(x[i], out[i], y[i]).items():
                    acc.setdefault(k, []).append(v)
        res = {k: float(np.mean(v)) for k, v in acc.items()}
        if "colourfulness" in res and res.get("colourfulness_gt"):
            res["colourfulness_ratio"] = res["colourfulness"] / res["colourfulness_gt"]
        return res

    def _validate_masks(self) -> dict[str, float]:
        """Detection scores of the damage masks, counts pooled over every validation pixel."""
        counts = np.zeros(4, np.int64)
        rng = np.random.default_rng(4321)
        for x, y in self._val_batches():
            prob = self.predict(self._inputs(x, y, rng))
            counts += scores.mask_counts(prob.numpy() >= MASK_THRESHOLD, y.numpy() >= 0.5)
        return scores.detection_scores(counts)

    def _validate_fills(self) -> dict[str, float]:
        """``removed``: the share of the damage's error the fill removed in the holes,
        ``1 - SE(filled, undamaged) / SE(damaged, undamaged)`` on L pooled over every hole
        pixel, the fill taking the input's pixels outside the holes (as a repair does);
        ``texture``: its gradient magnitude in the holes over the truth's (1 kept, < 1
        smeared); ``removed_telea``, ``texture_telea``: OpenCV's Telea on the same holes."""
        sums = dict.fromkeys(("before", "net", "telea", "grad_net", "grad_telea", "grad_truth"), 0.0)
        rng = np.random.default_rng(4321)
        for x, y in self._val_batches():
            out = self.predict(self._inputs(x, y, rng)).numpy()
            for i in range(x.shape[0]):
                holes = x[i, 1].numpy() > 0.5
                if not holes.any():
                    continue
                truth, damaged = (color.denormalize_l(y[i, k].numpy()) for k in (0, 1))
                fills = {"net": np.where(holes, np.clip(color.denormalize_l(out[i, 0]), 0.0, 100.0), damaged),
                         "telea": repair.fill(damaged, holes, "telea")}
                sums["before"] += float(((damaged - truth)[holes] ** 2).sum())
                sums["grad_truth"] += scores.step_sum(truth, holes)
                for k, f in fills.items():
                    sums[k] += float(((f - truth)[holes] ** 2).sum())
                    sums[f"grad_{k}"] += scores.step_sum(f, holes)
        g = max(1e-9, sums["grad_truth"])
        return {"removed": scores.removed(sums["net"], sums["before"]), "texture": sums["grad_net"] / g,
                "removed_telea": scores.removed(sums["telea"], sums["before"]),
                "texture_telea": sums["grad_telea"] / g}

    def _image_scores(self, x, out, y) -> dict[str, float]:
        if self.cfg.task == "translate":
            p, t = _to01(out), _to01(y)
            return {"l1": float(np.abs(p - t).mean()), "psnr": scores.psnr(p, t)}
        L = color.denormalize_l(x[0].numpy())
        ab_p = _resize_ab(color.denormalize_ab(out.numpy()).transpose(1, 2, 0), L.shape)
        ab_t = color.denormalize_ab(y.numpy()).transpose(1, 2, 0)
        rgb_p, rgb_t = color.lab_compose(L, ab_p), color.lab_compose(L, ab_t)
        rgb_0 = color.lab_compose(L, np.zeros_like(ab_t))
        return {"l1_ab": float(np.abs(ab_p - ab_t).mean()), "psnr_rgb": scores.psnr(rgb_p, rgb_t),
                "psnr_rgb_gray": scores.psnr(rgb_0, rgb_t), "colourfulness": scores.colourfulness(rgb_p),
                "colourfulness_gt": scores.colourfulness(rgb_t)}

    def save_samples(self, tag: str) -> Path | None:
        """Grid PNG: one row per fixed validation image: input | prediction | ground truth."""
        import cv2

        n = min(self.cfg.sample_images, len(self.val_set))
        if n == 0:
            return None
        picks = np.linspace(0, len(self.val_set) - 1, n).round().astype(int)
        xs, ys = zip(*(self.val_set[int(i)] for i in picks))
        x, y = torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ys))
        out = self.predict(self._inputs(x, y, np.random.default_rng(4321)))
        rows = [np.concatenate(self._sample_cells(x[i], out[i], y[i]), 1) for i in range(n)]
        grid = (np.clip(np.concatenate(rows, 0), 0, 1) * 255 + 0.5).astype(np.uint8)
        self.layout.samples.mkdir(parents=True, exist_ok=True)
        ok, buf = cv2.imencode(".png", grid[:, :, ::-1])
        path = self.layout.sample(tag)
        for p in (path, self.layout.sample("latest")):
            atomic_write(p, lambda tmp: Path(tmp).write_bytes(buf.tobytes()))
        return path

    def _sample_cells(self, x: torch.Tensor, out: torch.Tensor, y: torch.Tensor) -> list[np.ndarray]:
        """One grid row, RGB in [0, 1]: input | prediction | truth.  Restore: the damaged
        scan | it with the predicted mask in red | it with the true mask in red.  Inpaint: the
        damaged scan with its holes in red | the holes filled | the undamaged scan."""
        if self.cfg.task == "translate":
            return [_to01(x), _to01(out), _to01(y)]
        if self.cfg.task == "inpaint":
            holes = x[1].numpy() > 0.5
            filled = torch.where(x[1:2] > 0.5, out.clamp(-0.5, 0.5), y[1:2])
            return [mask_overlay(_gray(y[1]), holes), _gray(filled[0]), _gray(y[0])]
        gray = _gray(x[0])
        if self.cfg.task == "restore":
            return [gray, mask_overlay(gray, out[0].numpy() >= MASK_THRESHOLD), mask_overlay(gray, y[0].numpy() >= 0.5)]
        L = color.denormalize_l(x[0].numpy())
        ab_p = _resize_ab(color.denormalize_ab(out.numpy()).transpose(1, 2, 0), L.shape)
        ab_t = color.denormalize_ab(y.numpy()).transpose(1, 2, 0)
        return [gray, color.lab_compose(L, ab_p), color.lab_compose(L, ab_t)]
