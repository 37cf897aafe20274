"""Parameter and multiply-accumulate (MAC) counts of a model at an input size.

Counted with forward hooks on the layers that do the arithmetic (convolutions,
transposed convolutions, linear layers); norms, activations and resampling are
ignored (they are memory-bound, not compute-bound).  GFLOPs = 2 * MACs / 1e9.
Shared by the model tests, the benchmarks and the model cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Cost:
    params: int
    macs: int                 # per forward pass of the given batch
    input_shape: tuple[int, ...]

    @property
    def gflops(self) -> float:
        return 2.0 * self.macs / 1e9


def _layer_macs(m, inp, out) -> int:
    from torch import nn

    if isinstance(m, nn.modules.conv._ConvNd):
        k = m.weight[0, 0].numel()  # kernel volume
        if isinstance(m, nn.modules.conv._ConvTransposeNd):
            # every input element is scattered to (out_channels / groups) * k outputs
            return inp[0].numel() * (m.out_channels // m.groups) * k
        return out.numel() * (m.in_channels // m.groups) * k
    if isinstance(m, nn.Linear):
        return out.numel() * m.in_features
    return 0


def count_macs(model, x: Any, method: str = "forward") -> Cost:
    """MACs of ``getattr(model, method)(x)``; ``x`` is a tensor or a shape tuple."""
    import torch
    from torch import nn

    if not isinstance(x, torch.Tensor):
        p = next(model.parameters(), None)
        x = torch.zeros(tuple(x), device=p.device if p is not None else "cpu")
    total = [0]
    handles = [m.register_forward_hook(lambda m, i, o: total.__setitem__(0, total[0] + _layer_macs(m, i, o)))
               for m in model.modules()
               if isinstance(m, (nn.modules.conv._ConvNd, nn.Linear))]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            (model if method == "forward" else getattr(model, method))(x)  # __call__ runs hooks
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    params = sum(p.numel() for p in model.parameters())
    return Cost(params, total[0], tuple(x.shape))


def model_cost(name: str, size: int | None = None, batch: int = 1, **config: Any) -> Cost:
    """Cost of registered model ``name`` (random init) at ``size`` (its input size by default)."""
    from colorstudio.models.registry import create, spec

    s = spec(name)
    size = int(size or s.input_size)
    model = create(name, weights=False, **config)
    if s.task == "translate":
        cin = 3
    else:   # a family that declares its input planes (inpaint-unet: L and the mask) says
        cin = getattr(model, "in_channels", None) or 1 + model.hint_channels
    return count_macs(model, (batch, cin, size, size))


def cost_table(size: int | None = None) -> list[tuple[str, int, Cost]]:
    """``(name, input size, Cost)`` of every registered model (random init, default config)."""
    from colorstudio.models.registry import available

    rows = []
    for s in available():
        sz = int(size or s.input_size)
        rows.append((s.name, sz, model_cost(s.name, sz)))
    return rows
