"""Exact discrete-time drift laws (T1), (T2) along gradient-descent trajectories (MATH.md B8)."""

import numpy as np
import pytest

import eqalg
from eqalg.dynamics import TrainingDivergedError
from eqalg.errors import InvalidValueError

from conftest import make_mlp


@pytest.mark.parametrize("activation,weight_decay", [("relu", 0.0), ("leaky_relu", 0.0), ("relu", 1e-3),
                                                     ("linear", 1e-2)])
def test_rescaling_charge_follows_T1_exactly(activation, weight_decay, iris):
    model = eqalg.TwoLayerMLP(iris.X, iris.Y, 8, activation, "cross_entropy")
    theta0 = model.init_params(np.random.default_rng(0))
    qs = [eqalg.conserved_quantity(model.rescale_generator(j)) for j in range(8)]
    traj = eqalg.gradient_descent(model, theta0, 0.05, 2000, weight_decay=weight_decay, quantities=qs)
    assert traj.losses[-1] < 0.5 * traj.losses[0]
    for tr in traj.quantities.values():
        assert tr.relative_error < 1e-10
        assert tr.measured_drift != 0.0            # the O(η²) drift is real and predicted, not zero


def test_negative_control_quantity_is_not_conserved(iris):
    # ½‖W1[:, 0]‖² (scale of an input column) is not a symmetry's charge: (T1) must not explain its drift
    model = eqalg.TwoLayerMLP(iris.X, iris.Y, 6, "relu", "cross_entropy")
    theta0 = model.init_params(np.random.default_rng(1))
    q = eqalg.conserved_quantity(model.input_scaling_generator(0))
    traj = eqalg.gradient_descent(model, theta0, 0.05, 300, quantities=[q])
    assert traj.quantities[q.name].relative_error > 1e-2


def test_translation_charge_decays_as_T2():
    data = eqalg.load_wine()
    model = eqalg.SoftmaxRegression(data.X, data.Y)
    theta0 = model.init_params(np.random.default_rng(2))
    lam, lr, steps = 0.01, 0.1, 500
    qs = [eqalg.conserved_quantity(t) for t in model.symmetries().values()]
    traj = eqalg.gradient_descent(model, theta0, lr, steps, weight_decay=lam, quantities=qs)
    for tr in traj.quantities.values():
        assert tr.end == pytest.approx((1 - lr * lam) ** steps * tr.start, rel=1e-10, abs=1e-13)
        assert tr.relative_error < 1e-10


def test_matrix_factorization_balancedness_follows_T1():
    rng = np.random.default_rng(3)
    target = rng.standard_normal((6, 2)) @ rng.standard_normal((2, 5))
    model = eqalg.MatrixFactorization((6, 5), 3, target=target)
    theta0 = model.init_params(rng)
    gl = model.symmetries()
    qs = [eqalg.conserved_quantity(gl[f"gl[{a},{a}]"]) for a in range(3)]
    qs.append(eqalg.conserved_quantity(gl["gl[0,1]"] + gl["gl[1,0]"], "Q[(U^T U - V^T V)_01]"))
    traj = eqalg.gradient_descent(model, theta0, 0.05, 1000, quantities=qs)
    for tr in traj.quantities.values():
        assert tr.relative_error < 1e-10


def test_bad_input_and_divergence():
    model, theta = make_mlp("relu", "mse")
    with pytest.raises(InvalidValueError, match="lr"):
        eqalg.gradient_descent(model, theta, 0.0, 10)
    with pytest.raises(InvalidValueError, match="steps"):
        eqalg.gradient_descent(model, theta, 0.1, 0)
    with pytest.raises(InvalidValueError, match="weight_decay"):
        eqalg.gradient_descent(model, theta, 0.1, 5, weight_decay=-1.0)
    with pytest.raises(TrainingDivergedError, match="diverged"):
        eqalg.gradient_descent(model, 10 * theta, 1e3, 200)
    with pytest.raises(InvalidValueError, match="symmetric"):
        eqalg.conserved_quantity(model.rotation_generator(0, 1))


def test_quantity_batch_equals_the_quantities_one_by_one():
    """The vectorized (T1)/(T2) bookkeeping gives each quantity's own value, magnitude and increment."""
    from eqalg.predictions.conservation import QuantityBatch
    iris = eqalg.load_iris()
    m = eqalg.TwoLayerMLP(iris.X, iris.Y, 5, "linear", "cross_entropy")
    from eqalg.models.zoo import conserved_generators
    qs = [eqalg.conserved_quantity(t, n) for n, t in conserved_generators(m).items()]
    kinds = {type(q).__name__ for q in qs}
    assert {"QuadraticQuantity", "LinearQuantity"} <= kinds
    rng = np.random.default_rng(2)
    theta = m.init_params(rng)
    g = m.gradient(theta)
    batch = QuantityBatch(qs + ["not a quantity"])
    assert sorted(batch.indices.tolist()) == list(range(len(qs)))
    v, mag, inc = batch.record(theta, g, 0.1, 0.01)
    for j, i in enumerate(batch.indices):
        q = qs[i]
        assert v[j] == pytest.approx(q.value(theta), rel=1e-13, abs=1e-15)
        assert mag[j] == pytest.approx(q.magnitude(theta), rel=1e-13, abs=1e-15)
        assert inc[j] == pytest.approx(q.step_increment(theta, g, 0.1, 0.01), rel=1e-12, abs=1e-15)
    # negative control: a different point gives different values
    assert not np.allclose(batch.values(theta + 0.1)[0], v)
