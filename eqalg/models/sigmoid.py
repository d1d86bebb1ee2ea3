"""Logistic-activation perceptron and its affine (non-orthogonal) neuron-flip symmetry.

Because σ(−z) = 1 − σ(z) for the logistic σ(z) = 1/(1 + e^{−z}), flipping hidden neuron j —
negating its incoming weights w_j and bias b_j and its outgoing weights a_j = W_{l+1}[:, j] —
makes the next layer receive (−a_j) σ(−z_j) = a_j σ(z_j) − a_j instead of a_j σ(z_j); the next
bias absorbs the difference, b_{l+1} ↦ b_{l+1} + a_j. The map

    (w_j, b_j, a_j, c) ↦ (−w_j, −b_j, −a_j, c + a_j)          (MATH.md §C #16, (D7))

is a linear involution of θ that is **not orthogonal**. Only (D1) Mᵀ g(Mθ) = g(θ) and (D2)
Mᵀ H(Mθ) M = H(θ) apply; at a fixed point (w_j = b_j = a_j = 0) the gradient lies in Fix(Mᵀ),
i.e. ∂L/∂a_j = ½ ∂L/∂c, not in Fix(M), and the fixed set is not invariant under gradient
descent unless ∂L/∂c = 0 — (D3)/(D4) must not be applied.
"""

from __future__ import annotations

from .deep_mlp import MLP

__all__ = ["SigmoidMLP"]


class SigmoidMLP(MLP):
    """A depth-L perceptron with logistic hidden activations and biases.

    Parameters
    ----------
    X : array_like (N, d)
    Y : array_like (N, o)
    hidden : int or sequence of int
        Hidden widths (default 4).
    depth : int
        Number of weight layers L ≥ 2 (default 2).
    loss : {"mse", "cross_entropy"}

    Raises
    ------
    ShapeError, NonFiniteError, InvalidValueError, UnknownNameError

    Notes
    -----
    Catalogue: adjacent neuron swaps ``swap[l][j,j+1]`` (orthogonal) and the affine flips
    ``sflip[l][j]`` (:meth:`~eqalg.models.deep_mlp.MLP.sigmoid_flip`, non-orthogonal
    :class:`~eqalg.transforms.discrete.MatrixMap`). Controls: the plain sign flip ``flip[1][0]``
    (a symmetry only for odd σ), the rescaling ``rescale[1][0]``, a rotation of two neurons, an
    input permutation and an input scaling.
    """

    zoo_name = "sigmoid-mlp"

    def __init__(self, X, Y, hidden=4, depth: int = 2, loss: str = "mse"):
        super().__init__(X, Y, hidden, depth, "sigmoid", loss, bias=True)
