"""Exact gradient-descent drift law (T1) of the zoo's conserved charges (MATH.md B8).

Q = ½θᵀSθ for a symmetric generator S of a linear symmetry obeys, per step of GD with weight
decay λ, Q(θ⁺) = (1 − ηλ)² Q(θ) + ½η² gᵀSg — exactly, up to float round-off.
"""

import numpy as np
import pytest

import eqalg
from eqalg.models.zoo import conserved_generators


def _run(model, lr, steps, weight_decay=0.0, seed=0):
    theta0 = model.init_params(np.random.default_rng(seed))
    qs = [eqalg.conserved_quantity(t, name) for name, t in conserved_generators(model).items()]
    assert qs
    return eqalg.gradient_descent(model, theta0, lr, steps, weight_decay=weight_decay, quantities=qs)


def _models():
    diabetes = eqalg.load_diabetes()
    sensing = eqalg.make_lowrank_sensing()
    seq = eqalg.make_sequences()
    iris = eqalg.load_iris()
    return {
        "deep-linear": (eqalg.DeepLinear(diabetes.X, diabetes.Y, 4, 3), 0.1),
        "deep-linear-widths": (eqalg.DeepLinear(diabetes.X, diabetes.Y, [3, 5, 2], 4), 0.05),
        "matrix-factorization": (eqalg.MatrixFactorization((8, 6), 3, sensing=sensing.X,
                                                          measurements=sensing.Y[:, 0]), 0.1),
        "matrix-factorization-full": (eqalg.MatrixFactorization(iris.X[:20].shape, 2, target=iris.X[:20]), 0.05),
        "attention": (eqalg.BilinearAttention(seq.X, seq.Y, 3), 0.5),
        "normalized-mlp": (eqalg.NormalizedMLP(iris.X, iris.Y, 6, 2, "tanh", "cross_entropy"), 0.1),
    }


MODELS = _models()


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("weight_decay", [0.0, 1e-2])
def test_gd_drift_law_is_exact(name, weight_decay):
    model, lr = MODELS[name]
    traj = _run(model, lr, 200, weight_decay)
    assert traj.losses[-1] < traj.losses[0]
    for q in traj.quantities.values():
        if q.drift_scale > 0:
            assert q.relative_error <= 1e-10, (q.name, q.relative_error)
        else:       # a translation charge without weight decay: exactly conserved, up to round-off
            assert q.name.startswith("translate") and weight_decay == 0.0
            assert abs(q.measured_drift) <= q.roundoff_bound
        assert q.passed
        assert q.max_step_error <= 1e-12 * max(1.0, np.abs(q.values).max())


def test_balancedness_is_conserved_only_up_to_the_predicted_drift():
    """Small steps approximate gradient flow: the drift of C_l is O(η²) per step and matches (T1)."""
    diabetes = eqalg.load_diabetes()
    m = eqalg.DeepLinear(diabetes.X, diabetes.Y, 3, 3)
    theta0 = m.init_params(np.random.default_rng(1))
    C0 = m.balancedness(theta0, 1)
    for lr in (0.02, 0.01):
        traj = _run(m, lr, int(2.0 / lr), seed=1)
        drift = np.abs(m.balancedness(traj.theta, 1) - C0).max()
        assert drift > 0
        for q in traj.quantities.values():
            assert abs(q.measured_drift - q.predicted_drift) <= 1e-10 * q.drift_scale + 1e-15
    # halving the step at fixed time T = ηk roughly halves the drift (O(η) in total)
    drifts = []
    for lr in (0.02, 0.01):
        theta = eqalg.gradient_descent(m, theta0, lr, int(2.0 / lr)).theta
        drifts.append(np.abs(m.balancedness(theta, 1) - C0).max())
    assert 1.5 < drifts[0] / drifts[1] < 2.5


def test_matrix_factorization_charges_are_the_balancedness_entries():
    sensing = eqalg.make_lowrank_sensing()
    m = eqalg.MatrixFactorization((8, 6), 3, sensing=sensing.X, measurements=sensing.Y[:, 0])
    theta = m.init_params(np.random.default_rng(2))
    p = m.space.unflatten(theta)
    B = p["U"].T @ p["U"] - p["V"].T @ p["V"]
    for name, t in m.conserved_generators().items():
        a, b = (int(x) for x in name[2:-1].split(","))
        assert t.is_symmetric_matrix
        assert t.quadratic_form(theta) == pytest.approx(B[a, b] if a != b else 0.5 * B[a, a], rel=1e-12)


def test_normalized_row_norms_grow_by_the_squared_gradient():
    """Scale invariance + GD: ‖w_j‖² increases by exactly η²‖∇_{w_j}L‖² per step (T1 with S = P_j)."""
    iris = eqalg.load_iris()
    m = eqalg.NormalizedMLP(iris.X, iris.Y, 4, 2, "tanh", "cross_entropy")
    traj = _run(m, 0.2, 100)
    scales = [q for q in traj.quantities.values() if q.name.startswith("scale")]
    assert len(scales) == 4
    for q in scales:
        assert np.all(np.diff(q.values) >= 0)
        assert q.measured_drift > 0
        assert q.relative_error <= 1e-10
