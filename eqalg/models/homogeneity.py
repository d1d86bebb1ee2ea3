"""Homogeneity of dense networks as equivariances (MATH.md B4, §C #11).

A dense network f(x) = W_L σ(⋯σ(W_1 x + b_1)⋯) + b_L with positively homogeneous σ (ReLU,
leaky ReLU, linear) and no biases is L-homogeneous: f(e^s θ) = e^{Ls} f(θ) (J = θ, ρ(z) = Lz),
and 1-homogeneous in each layer's weights. With biases only the last layer (W_L, b_L) stays
1-homogeneous, for every σ. Euler's theorem turns these into (M1) θᵀ∇_θ f = L f and
(M2) ∇²_θ f θ = (L − 1)∇_θ f; per-layer rates are equal, so differences of layer scalings are
symmetries (I7) — the layer balancing of Du, Hu & Lee (NeurIPS 2018). The norm rate law used
with these is Lyu & Li (ICLR 2020).

:class:`HomogeneousNetwork` is a mixin: the host provides ``space`` (blocks ``W1, b1, …``),
``bias``, ``n_layers`` and ``homogeneity_degree``.
"""

from __future__ import annotations

from ..errors import InvalidValueError
from ..transforms.equivariance import Equivariance
from ..transforms.linear import LinearGenerator
from ..transforms.maps import ScalarMap

__all__ = ["HomogeneousNetwork"]


class HomogeneousNetwork:
    """Mixin giving dense networks their scaling generators and homogeneity equivariances."""

    def scaling_generator(self, *blocks: str) -> LinearGenerator:
        """J = Pθ scaling the given blocks (all of θ when none is given): the generator of θ_B ↦ e^s θ_B."""
        names = blocks or self.space.names
        sel = [self.space[b].indices for b in names]
        label = "all" if not blocks else ",".join(blocks)
        return LinearGenerator.from_selections(self.space, plus=sel, name=f"scale[{label}]")

    def homogeneity(self, degree: float | None = None) -> Equivariance:
        """f(e^s θ) = e^{ks} f(θ): J = θ, ρ(z) = kz (MATH.md B4 and §C #11; Euler's theorem).

        Parameters
        ----------
        degree : float, optional
            k; the network's ``homogeneity_degree`` (its depth) by default — pass another value
            for a negative control.

        Raises
        ------
        InvalidValueError
            No degree given and the network is not homogeneous (biases or a non-homogeneous σ).
        """
        k = self.homogeneity_degree if degree is None else degree
        if k is None:
            raise InvalidValueError("degree: the network is not homogeneous (it needs bias=False and relu, "
                                    "leaky_relu or linear); pass a degree explicitly for a control")
        return Equivariance(self.scaling_generator(), output=ScalarMap.power(k), name=f"homogeneity(k={k:g})")

    def layer_homogeneity(self, layer: int, degree: float = 1.0) -> Equivariance:
        """Scaling one layer's weights (and bias): f is 1-homogeneous in (W_L, b_L) for every σ, and in
        W_l (l < L) when the network is bias-free with positively homogeneous σ (MATH.md B4, per
        layer; by (I7) differences of layer scalings are the balancing symmetries of Du et al. 2018).

        Parameters
        ----------
        layer : int
            1 … n_layers.
        degree : float
            1 for the true equivariance; another value gives a negative control.

        Raises
        ------
        InvalidValueError
            ``layer`` is out of range.
        """
        if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= self.n_layers:
            raise InvalidValueError(f"layer: expected an integer in 1..{self.n_layers}, got {layer!r}")
        blocks = [f"W{layer}"] + ([f"b{layer}"] if self.bias else [])
        return Equivariance(self.scaling_generator(*blocks), output=ScalarMap.power(degree),
                            name=f"homogeneity[layer {layer}](k={degree:g})")

    def homogeneity_equivariances(self) -> dict:
        """``homogeneity`` and ``homogeneity[layer l]`` for every layer that is 1-homogeneous."""
        out = {}
        if self.homogeneity_degree is not None:
            out["homogeneity"] = self.homogeneity()
            for layer in range(1, self.n_layers):
                out[f"homogeneity[layer {layer}]"] = self.layer_homogeneity(layer)
        out[f"homogeneity[layer {self.n_layers}]"] = self.layer_homogeneity(self.n_layers)
        return out

    def homogeneity_controls(self) -> dict:
        """Wrong degrees: k ± 1 for the whole network (2 when it is not homogeneous), 2 for the last layer."""
        out = {}
        k = self.homogeneity_degree
        for deg in ((k - 1, k + 1) if k is not None else (2,)):
            out[f"homogeneity(k={deg:g})"] = self.homogeneity(deg)
        out[f"homogeneity[layer {self.n_layers}](k=2)"] = self.layer_homogeneity(self.n_layers, 2.0)
        return out
