"""Conserved quantities of an algebra of symmetries and their exact GD drift (MATH.md L4, L7, B8)."""

import numpy as np
import pytest

import eqalg
from eqalg import (AffineQuantity, LieAlgebra, LinearGenerator, LinearQuantity, QuadraticQuantity,
                   conserved_quantities, gradient_descent)
from eqalg.errors import InvalidValueError
from eqalg.models.base import Model
from eqalg.space import ParameterSpace


def factorization(n=6, m=5, r=3, seed=0):
    rng = np.random.default_rng(seed)
    target = rng.standard_normal((n, r)) @ rng.standard_normal((m, r)).T / np.sqrt(r)
    mf = eqalg.MatrixFactorization((n, m), r, target=target)
    alg = LieAlgebra([t for t in mf.symmetries().values() if isinstance(t, LinearGenerator)])
    return mf, alg, mf.init_params(rng)


def sym_matrix_of(q):
    return q.generator.to_dense()


def test_gl_r_on_factorization_conserves_the_entries_of_UtU_minus_VtV():
    r = 3
    mf, alg, theta = factorization(r=r)
    assert alg.dim == r * r                                             # GL(r) acts with orbit dim r²
    assert alg.orbit_dimension(theta) == r * r
    qs = conserved_quantities(alg)
    # Reference: r(r+1)/2 laws, the entries of UᵀU − VᵀV (Marcotte et al. 2023; MATH.md §C #4).
    assert len(qs) == r * (r + 1) // 2 and all(isinstance(q, QuadraticQuantity) for q in qs)
    # Same span: Q_k(θ) = ½θᵀS_kθ vs the quadratic forms of the entries (UᵀU − VᵀV)_ab, a ≤ b.
    ref = []
    for a in range(r):
        for b in range(a, r):
            E = np.zeros((r, r))
            E[a, b] = E[b, a] = 1.0                                     # tr((UᵀU − VᵀV) E) ∝ entry (a, b)
            ref.append(mf.gl_generator(E).to_dense())
    mine = np.array([sym_matrix_of(q).ravel() for q in qs])
    ref = np.array([x.ravel() for x in ref])
    assert np.linalg.matrix_rank(np.vstack([mine, ref]), tol=1e-9) == len(qs)
    # negative control: ½‖U‖² (a symmetric form outside the algebra) is not in the span
    scale_u = mf.controls()["scale_U"].to_dense().ravel()
    assert np.linalg.matrix_rank(np.vstack([mine, scale_u]), tol=1e-9) == len(qs) + 1


def test_quantities_conserved_by_small_steps_to_second_order_and_T1_exact():
    mf, alg, theta = factorization()
    qs = conserved_quantities(alg)
    horizon = 0.5
    drifts = []
    for lr in (0.02, 0.01):
        tr = gradient_descent(mf, theta, lr, int(round(horizon / lr)), quantities=qs)
        drifts.append(max(abs(t.measured_drift) for t in tr.quantities.values()))
        for t in tr.quantities.values():                                # (T1): exact per step
            assert t.relative_error < 1e-9 and t.max_step_error < 1e-14
    # O(η²) per step over a fixed time ⇒ total drift O(η): halving η halves the drift
    assert drifts[1] == pytest.approx(drifts[0] / 2, rel=0.1)
    # negative control: ½‖U‖² (not from the algebra) drifts at O(1) over the same time
    q_bad = QuadraticQuantity(mf.controls()["scale_U"], "bad")
    tr = gradient_descent(mf, theta, 0.01, 50, quantities=[q_bad])
    assert abs(tr.quantities["bad"].measured_drift) > 100 * drifts[1]
    with pytest.raises(InvalidValueError):                              # a non-symmetric A has no charge
        eqalg.conserved_quantity(mf.symmetries()["gl[0,1]"])


def test_T1_exact_with_weight_decay():
    mf, alg, theta = factorization()
    qs = conserved_quantities(alg)
    tr = gradient_descent(mf, theta, 0.05, 40, weight_decay=0.1, quantities=qs)
    for t in tr.quantities.values():
        assert t.relative_error < 1e-9
        assert abs(t.measured_drift) > 1e-4                             # weight decay really moves them


def test_translations_decay_exactly_under_weight_decay():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 3))
    model = eqalg.SoftmaxRegression(X, np.eye(3)[rng.integers(0, 3, 30)])
    alg = LieAlgebra(list(model.translation_generators().values()))
    qs = conserved_quantities(alg)
    assert len(qs) == 4 and all(isinstance(q, LinearQuantity) for q in qs)
    theta = model.init_params(rng)
    lr, lam, k = 0.3, 0.05, 25
    tr = gradient_descent(model, theta, lr, k, weight_decay=lam, quantities=qs)
    for q in qs:
        # (T2): C_k = (1 − ηλ)^k C_0 exactly
        t = tr.quantities[q.name]
        assert t.end == pytest.approx((1 - lr * lam) ** k * t.start, rel=1e-12, abs=1e-15)
    # negative control: translating one class's weights is not a symmetry; its charge moves
    bad = LinearQuantity(model.space.indicator(model.space["W"][0, :]), "bad")
    tr = gradient_descent(model, theta, lr, k, quantities=[bad])
    assert abs(tr.quantities["bad"].measured_drift) > 1e-3


class Angle(Model):
    """L(θ) = (θ₂/(θ₁ + 1) − ½)²: invariant under dilations about (−1, 0), J = θ + e₁ (affine, A = I)."""

    space = ParameterSpace.flat(2)

    def loss(self, theta):
        t = self.validate_theta(theta)
        return float((t[1] / (t[0] + 1) - 0.5) ** 2)

    def gradient(self, theta):
        t = self.validate_theta(theta)
        z = t[1] / (t[0] + 1)
        return 2 * (z - 0.5) * np.array([-t[1] / (t[0] + 1) ** 2, 1 / (t[0] + 1)])


def test_mixed_affine_quantity_and_its_exact_drift():
    model = Angle()
    J = LinearGenerator(np.eye(2), offset=[1.0, 0.0], name="dilation about (-1, 0)")
    alg = LieAlgebra([J])
    qs = conserved_quantities(alg)
    assert len(qs) == 1 and isinstance(qs[0], AffineQuantity)
    theta = np.array([0.3, 1.2])
    for lam in (0.0, 0.2):
        tr = gradient_descent(model, theta, 0.05, 30, weight_decay=lam, quantities=qs)
        t = tr.quantities[qs[0].name]
        assert t.relative_error < 1e-9 and abs(t.measured_drift) > 1e-8
    # negative control: the linear part alone (dilation about 0) is not a symmetry; (T1) mispredicts it
    q_lin = QuadraticQuantity(LinearGenerator(np.eye(2)), "lin")
    tr = gradient_descent(model, theta, 0.05, 30, quantities=[q_lin])
    assert tr.quantities["lin"].relative_error > 1e-2


def test_skew_algebra_has_no_conserved_quantity_and_bad_input():
    rot = np.array([[0.0, 1.0], [-1.0, 0.0]])
    assert conserved_quantities(LieAlgebra([LinearGenerator(rot)])) == []
    with pytest.raises(InvalidValueError):
        conserved_quantities(LinearGenerator(rot))
