"""The Haar low-pass baseline: the same 3-level Haar analysis as the model's
energy-flow path (3D, then 2D, then 3D: 4x temporal, 8x spatial), keep only
the coarsest low-low-low band, zero every other subband, invert."""
import torch

from .haar import Haar2D, Haar3D, InverseHaar2D, InverseHaar3D


class HaarLowpass(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a3, self.a2, self.b3 = Haar3D(), Haar2D(), Haar3D()
        self.s3, self.s2, self.t3 = InverseHaar3D(), InverseHaar2D(), InverseHaar3D()

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        l0 = self.a3(x)[:, :3]
        l1 = self.a2(l0)[:, :3]
        l2 = self.b3(l1)[:, :3]
        pad = lambda band, n: torch.cat([band, band.new_zeros(band.shape[0], 3 * (n - 1), *band.shape[2:])], dim=1)  # noqa: E731
        l1r = self.t3(pad(l2, 8))
        l0r = self.s2(pad(l1r, 4))
        return self.s3(pad(l0r, 8))
