"""Update rules and optimizer equivariance (MATH.md D4, D7): which optimizers commute with which maps."""

import numpy as np
import pytest

import eqalg
from eqalg import SGD, Adam, HeavyBall, RMSProp, SignGD, commutation_residual, optimizer_commutes
from eqalg.errors import InvalidValueError

from conftest import make_mlp

LINEAR = (SGD(0.05), SGD(0.05, weight_decay=0.01), HeavyBall(0.05, momentum=0.9, weight_decay=0.01))
COORDINATEWISE = (Adam(0.01), Adam(0.01, weight_decay=0.01), RMSProp(0.01), SignGD(0.01))


@pytest.fixture(scope="module")
def linear_net():
    # linear σ: GL(h) symmetry, so an orthogonal rotation of hidden neurons is a symmetry
    return make_mlp("linear", "mse", hidden=4, n=30)


def _maps(model):
    return {"swap": model.transposition(0, 2), "flip": model.sign_flip(1),
            "rotation": eqalg.flow(model.rotation_generator(0, 1), 0.7),   # orthogonal, not a signed permutation
            "rescale": eqalg.flow(model.rescale_generator(1), 0.5)}       # a symmetry, not orthogonal


@pytest.mark.parametrize("optimizer", LINEAR + COORDINATEWISE, ids=lambda o: repr(o).split("(")[0])
def test_prediction_matches_measured_commutation(optimizer, linear_net):
    model, theta = linear_net
    for name, M in _maps(model).items():
        predicted = optimizer_commutes(optimizer, M)
        expected = name in ("swap", "flip") or (name == "rotation" and not optimizer.coordinatewise)
        assert predicted is expected, name
        residual = commutation_residual(optimizer, M, model, theta, steps=5)
        if predicted:
            assert residual < 1e-12, name
        else:
            assert residual > 1e-3, name


def test_minibatch_sgd_and_adam_commute_with_signed_permutations(linear_net):
    model, theta = linear_net
    swap = model.transposition(1, 3)
    for opt in (SGD(0.05), HeavyBall(0.05), Adam(0.01)):
        assert commutation_residual(opt, swap, model, theta, 10, batch_size=8, seed=3) < 1e-12


def test_fixed_set_is_invariant_exactly_when_the_optimizer_commutes():
    model, theta = make_mlp("tanh", "cross_entropy", hidden=4)
    p = model.space.unflatten(theta.copy())
    p["W1"][2], p["b1"][2], p["W2"][:, 2] = p["W1"][0], p["b1"][0], p["W2"][:, 0]
    tied = model.space.flatten(p)
    swap = model.transposition(0, 2)
    for opt in (SGD(0.1), HeavyBall(0.05), Adam(0.01), RMSProp(0.01)):
        end = eqalg.run_optimizer(model, tied, opt, 50, batch_size=16).theta
        np.testing.assert_array_equal(swap.act(end), end)                  # Fix(K) is invariant (D4), exactly
    # the sigmoid neuron flip is a non-orthogonal symmetry: its fixed set is not GD-invariant (D7)
    sig, th = make_mlp("sigmoid", "mse", hidden=4)
    q = sig.space.unflatten(th.copy())
    q["W1"][1], q["b1"][1], q["W2"][:, 1] = 0.0, 0.0, 0.0
    fixed = sig.space.flatten(q)
    flip = sig.logistic_flip(1)
    assert not optimizer_commutes(SGD(0.1), flip)
    np.testing.assert_array_equal(flip.act(fixed), fixed)
    end = eqalg.run_optimizer(sig, fixed, SGD(0.1), 1).theta
    assert np.linalg.norm(flip.act(end) - end) > 1e-6


def test_affine_maps_and_continuous_flows():
    data = eqalg.load_wine()
    model = eqalg.SoftmaxRegression(data.X, data.Y)
    c = next(iter(model.symmetries().values()))                       # a translation generator J = c
    shift = eqalg.flow(c, 0.8)                                        # θ ↦ θ + 0.8 c: affine, orthogonal linear part
    assert optimizer_commutes(SGD(0.1), shift) and optimizer_commutes(Adam(0.1), shift)
    assert not optimizer_commutes(SGD(0.1, weight_decay=0.01), shift)
    theta = model.init_params(np.random.default_rng(0))
    assert commutation_residual(SGD(0.1), shift, model, theta, 3) < 1e-12
    assert commutation_residual(SGD(0.1, weight_decay=0.1), shift, model, theta, 3) > 1e-3
    lin, _ = make_mlp("linear", "mse", hidden=3)
    rot = lin.rotation_generator(0, 1)                                # skew A: exp(sA) orthogonal for every s
    assert optimizer_commutes(SGD(0.1), rot) and not optimizer_commutes(Adam(0.1), rot)
    assert not optimizer_commutes(SGD(0.1), lin.rescale_generator(0))
    relu, _ = make_mlp("relu", "mse", bias=False)
    assert not optimizer_commutes(SGD(0.1), relu.homogeneity())       # an equivariance, not a symmetry
    assert not optimizer_commutes(SGD(0.1), relu.class_permutation_equivariance())


def test_sgd_full_batch_is_gradient_descent():
    model, theta = make_mlp("relu", "cross_entropy")
    a = eqalg.run_optimizer(model, theta, SGD(0.05, weight_decay=1e-3), 20).theta
    b = eqalg.gradient_descent(model, theta, 0.05, 20, weight_decay=1e-3).theta
    np.testing.assert_array_equal(a, b)


def test_bad_input():
    model, theta = make_mlp()
    with pytest.raises(InvalidValueError, match="lr"):
        SGD(0.0)
    with pytest.raises(InvalidValueError, match="momentum"):
        HeavyBall(0.1, momentum=1.5)
    with pytest.raises(InvalidValueError, match="beta2"):
        Adam(0.1, beta2=1.0)
    with pytest.raises(InvalidValueError, match="optimizer"):
        optimizer_commutes("adam", model.transposition(0, 1))
    with pytest.raises(InvalidValueError, match="transformation"):
        commutation_residual(SGD(0.1), model.rescale_generator(0), model, theta)
    with pytest.raises(InvalidValueError, match="batch_size"):
        eqalg.run_optimizer(model, theta, SGD(0.1), 2, batch_size=10 ** 6)


@pytest.mark.parametrize("optimizer", COORDINATEWISE, ids=lambda o: repr(o).split("(")[0])
def test_signed_permutations_up_to_round_off_commute_with_coordinatewise_rules(optimizer, linear_net):
    model, theta = linear_net
    rotate = model.rotation_generator(0, 1)
    for s in (np.pi, 2 * np.pi):                       # a signed permutation / the identity up to ~2e-16
        M = eqalg.flow(rotate, s)
        assert optimizer_commutes(optimizer, M)
        assert not optimizer_commutes(optimizer, M, rtol=0.0)           # exactly, they are not
        assert commutation_residual(optimizer, M, model, theta, steps=3) < 1e-12
    # negative control: a rotation by 0.3 is orthogonal, not a signed permutation
    M = eqalg.flow(rotate, 0.3)
    assert not optimizer_commutes(optimizer, M) and optimizer_commutes(SGD(0.05), M)
    assert commutation_residual(optimizer, M, model, theta, steps=3) > 1e-3
    with pytest.raises(InvalidValueError, match="rtol"):
        optimizer_commutes(optimizer, M, rtol=-1.0)


def test_run_optimizer_tracks_exact_sgd_drift_of_conserved_quantities():
    # (T1) per minibatch step with weight decay: Q(θ⁺) − Q(θ) = ((1 − ηλ)² − 1) Q + ½η² ĝᵀSĝ (MATH.md B8)
    from eqalg.predictions.conservation import conserved_quantity
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((64, 4)), rng.standard_normal((64, 3))
    model = eqalg.TwoLayerMLP(X, Y, hidden=6, activation="relu", loss="mse")
    theta = model.init_params(rng)
    laws = [conserved_quantity(model.rescale_generator(j), f"Q{j}") for j in range(6)]
    S = rng.standard_normal((model.space.size,) * 2)
    control = conserved_quantity(eqalg.LinearGenerator(S + S.T, space=model.space), "not a symmetry")
    run = eqalg.run_optimizer(model, theta, eqalg.SGD(0.05, weight_decay=0.01), 40, batch_size=8, seed=1,
                              quantities=laws + [control])
    assert all(run.quantities[q.name].passed for q in laws)
    assert not run.quantities["not a symmetry"].passed                       # negative control
    full = eqalg.gradient_descent(model, theta, 0.05, 40, weight_decay=0.01, quantities=laws)
    batch = eqalg.run_optimizer(model, theta, eqalg.SGD(0.05, weight_decay=0.01), 40, quantities=laws)
    np.testing.assert_allclose(batch.quantities["Q0"].values, full.quantities["Q0"].values, rtol=1e-12)
    with pytest.raises(eqalg.errors.InvalidValueError, match="quantities: the drift laws"):
        eqalg.run_optimizer(model, theta, eqalg.HeavyBall(0.05), 3, quantities=laws)
