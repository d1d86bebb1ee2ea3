"""Symmetric points (MATH.md B6 (D3)–(D5), (D7), D.7–D.9): gradient in Fix(K), Hessian blocks and
eigenvalue multiplicities, invariance of Fix(K) under GD/SGD/Adam, stabilizers of tied/zeroed points."""

import numpy as np
import pytest

import eqalg
from eqalg import (SGD, Adam, HeavyBall, RMSProp, fixed_set_invariance, hessian_block_report, isotypic_decomposition,
                   point_stabilizer)
from eqalg.errors import InvalidValueError, ShapeError, SpaceMismatchError
from eqalg.transforms import GroupMismatchError, NotOrthogonalError

from conftest import make_mlp

SETTINGS = [("tanh", "mse"), ("tanh", "cross_entropy"), ("relu", "mse"), ("relu", "cross_entropy")]


@pytest.fixture(scope="module", params=SETTINGS, ids=[f"{a}-{l}" for a, l in SETTINGS])
def tied(request):
    """An MLP with 3 identical hidden neurons (0, 1, 2), at the tied initial point and after GD from it."""
    activation, loss = request.param
    model, theta = make_mlp(activation, loss, hidden=5, n=40)
    start = model.tie_neurons(theta, [0, 1, 2])
    trained = eqalg.gradient_descent(model, start, 0.05, 200).theta
    return model, model.discrete_symmetry_group(), {"init": start, "trained": trained}


def test_tied_neurons_hessian_blocks_and_multiplicities(tied):
    model, rho, points = tied
    p = model.neuron_blocks().shape[1]
    for name, theta in points.items():
        rep = hessian_block_report(model, theta, rho)
        assert rep.subgroup.order == 6 and rep.subgroup.name == "S3[0,1,2]", name
        assert rep.irreducible_dims == (1, 2) and rep.decomposition.multiplicities == (model.space.size - 2 * p, p)
        assert rep.off_block_norm < 1e-10, name                          # H commutes with S3 (D3, D5)
        assert rep.gradient_in_fixed and rep.gradient_residual < 1e-10 and rep.point_fixed
        standard = rep.block_clusters[1]
        assert all(size % 2 == 0 for size in standard.sizes), (name, standard.sizes)   # eigenvalues come in pairs
        assert rep.divisible and rep.passed
        assert rep.predicted_multiplicities == {"1": model.space.size - 2 * p, "2": p}
        # every Hessian eigenvalue of the standard component is an exact pair (relative to ‖H‖)
        vals = standard.values
        assert np.abs(vals[0::2] - vals[1::2]).max() < 1e-12 * rep.clusters.scale


def test_generic_multiplicities_for_a_smooth_mse_network():
    model, theta = make_mlp("tanh", "mse", hidden=6, n=40)
    rep = hessian_block_report(model, model.tie_neurons(theta, [1, 3, 4]), model.discrete_symmetry_group())
    expected = {"1": model.space.size - 16, "2": 8}
    assert rep.generic and rep.measured_multiplicities == rep.predicted_multiplicities == expected


def test_cross_entropy_softmax_translations_coarsen_the_pattern_but_not_the_law():
    # the h + 1 softmax translations (MATH.md §C #9) are exact zeros in both components: not generic, still (D5)
    model, theta = make_mlp("tanh", "cross_entropy", hidden=5, n=40)
    rep = hessian_block_report(model, model.tie_neurons(theta, [0, 1, 2]), model.discrete_symmetry_group())
    assert rep.passed and not rep.generic
    assert sum(int(m) * c for m, c in rep.measured_multiplicities.items()) == model.space.size
    assert int(max(rep.measured_multiplicities, key=int)) >= 5 + 1


def test_zeroed_neurons_of_an_odd_network():
    model, theta = make_mlp("tanh", "mse", hidden=5, n=40)
    rho = model.discrete_symmetry_group()
    p = model.neuron_blocks().shape[1]
    for zeroed, dims in (([4], (1, 1)), ([3, 4], (1, 2))):
        point = model.zero_neurons(theta, zeroed)
        rep = hessian_block_report(model, point, rho)
        assert rep.subgroup.order == 2 ** len(zeroed) * (1 if len(zeroed) == 1 else 2)
        assert rep.irreducible_dims == dims and rep.decomposition.multiplicities[1] == p
        assert rep.passed and rep.off_block_norm < 1e-10
        # H on a zeroed neuron is [[0, B], [Bᵀ, 0]]: eigenvalues ±s and (d + 1 − o) exact zeros
        vals = rep.block_clusters[1].values
        np.testing.assert_allclose(np.sort(vals), np.sort(-vals), atol=1e-12 * rep.clusters.scale)
    after = eqalg.gradient_descent(model, model.zero_neurons(theta, [3, 4]), 0.05, 100).theta
    assert np.all(after[model.neuron_blocks()[[3, 4]]] == 0)              # zero neurons stay zero exactly


def test_generic_point_fails_the_block_structure():
    # negative control: K fixes the tied point, not a generic one
    model, theta = make_mlp("tanh", "mse", hidden=5, n=40)
    rho = model.discrete_symmetry_group()
    K = point_stabilizer(rho, model.tie_neurons(theta, [0, 1, 2]))
    rep = hessian_block_report(model, theta, rho, K)
    assert not rep.point_fixed and rep.fixed_residual > 0.1
    assert not rep.block_diagonal and rep.off_block_norm > 1e-3
    assert not rep.gradient_in_fixed and not rep.divisible and not rep.passed
    assert point_stabilizer(rho, theta).order == 1                        # nothing fixes a generic point


@pytest.mark.parametrize("optimizer", [SGD(0.05), SGD(0.05, weight_decay=0.01), HeavyBall(0.05), Adam(0.01),
                                       RMSProp(0.01)], ids=lambda o: repr(o).split("(")[0])
def test_optimizers_stay_in_the_fixed_set(optimizer):
    model, theta = make_mlp("tanh", "cross_entropy", hidden=5, n=40)
    rho = model.discrete_symmetry_group()
    point = model.zero_neurons(model.tie_neurons(theta, [0, 1, 2]), [4])
    K = point_stabilizer(rho, point)
    assert K.order == 12
    for batch in (None, 8):                                                 # GD and minibatch SGD (D4)
        run = fixed_set_invariance(model, point, rho, K, optimizer, 60, batch_size=batch, seed=1)
        assert run.predicted and run.end_residual == 0.0 and run.stays and run.passed
        assert not np.allclose(run.theta, point)


def test_non_orthogonal_maps_get_no_invariant_subspace_predictions():
    model, theta = make_mlp("sigmoid", "mse", hidden=4, n=40)
    flip = model.logistic_flip(1)
    point = model.zero_neurons(theta, [1])          # w, b, a = 0: a fixed point of the flip (D7)
    np.testing.assert_allclose(flip.act(point), point)
    with pytest.raises(NotOrthogonalError, match="not orthogonal"):
        hessian_block_report(model, point, flip)
    with pytest.raises(NotOrthogonalError):
        fixed_set_invariance(model, point, [flip], None, SGD(0.1), 5)
    # and indeed the fixed set of the flip is not GD-invariant (the output bias gradient leaks in)
    end = eqalg.gradient_descent(model, point, 0.1, 20).theta
    assert np.linalg.norm(flip.act(end) - end) > 1e-6


def test_point_stabilizer_agrees_with_enumeration():
    rng = np.random.default_rng(3)
    for activation in ("tanh", "relu"):
        model, theta = make_mlp(activation, "mse", hidden=4, n=20)
        rho = model.discrete_symmetry_group()
        blocks = model.neuron_blocks()
        candidates = [theta, model.tie_neurons(theta, [0, 2]), model.zero_neurons(theta, [1, 3]),
                      model.tie_neurons(model.zero_neurons(theta, [3]), [0, 1, 2])]
        opposite = theta.copy()
        opposite[blocks[2]] = -opposite[blocks[0]]                          # equal up to sign
        candidates.append(opposite)
        for point in candidates:
            fast, slow = point_stabilizer(rho, point), rho.stabilizer(point)
            assert fast.order == slow.order and fast.is_subgroup_of(slow)
        assert point_stabilizer(rho, opposite).order == (2 if activation == "tanh" else 1)
        noisy = model.tie_neurons(theta, [0, 1]) + 1e-3 * rng.standard_normal(theta.size)
        assert point_stabilizer(rho, noisy).order == 1


def test_report_json_entry():
    model, theta = make_mlp("tanh", "mse", hidden=4, n=30)
    rep = hessian_block_report(model, model.tie_neurons(theta, [0, 1, 2]), model.discrete_symmetry_group())
    d = rep.to_dict()
    assert {"subgroup", "dim_fixed", "irreducible_dims", "predicted_multiplicities", "measured_multiplicities",
            "off_block_norm", "gradient_in_fixed", "passed"} <= set(d)
    assert d["subgroup"] == "S3[0,1,2]" and d["irreducible_dims"] == [1, 2] and d["passed"] is True
    assert all(isinstance(k, str) for k in d["measured_multiplicities"])
    assert d["tolerances"]["off_block_rtol"] == 1e-10


def test_bad_input():
    model, theta = make_mlp("tanh", "mse", hidden=4, n=30)
    rho = model.discrete_symmetry_group()
    point = model.tie_neurons(theta, [0, 1])
    other, _ = make_mlp("tanh", "mse", hidden=3, n=30)
    with pytest.raises(SpaceMismatchError, match="rho:"):
        hessian_block_report(model, point, other.discrete_symmetry_group())
    with pytest.raises(ShapeError):
        hessian_block_report(model, point[:-1], rho)
    with pytest.raises(GroupMismatchError, match="K:"):
        hessian_block_report(model, point, rho, other.discrete_symmetry_group().group)
    K = point_stabilizer(rho, point)
    iso = isotypic_decomposition(rho)
    with pytest.raises(InvalidValueError, match="decomposition"):
        hessian_block_report(model, point, rho, K, decomposition=iso)
    with pytest.raises(InvalidValueError, match="eig_rtol"):
        hessian_block_report(model, point, rho, K, eig_rtol=2.0)
    with pytest.raises(InvalidValueError, match="theta: not a point of Fix"):
        fixed_set_invariance(model, theta, rho, K, SGD(0.1), 3)
    with pytest.raises(InvalidValueError, match="neurons"):
        model.tie_neurons(theta, [1])
    with pytest.raises(InvalidValueError, match="neuron"):
        model.zero_neurons(theta, [7])
    with pytest.raises(InvalidValueError, match="neurons"):
        model.tie_neurons(theta, [1, 1])
