"""Counting conservation laws: D − dim Lie(W)_θ (Marcotte, Gribonval & Peyré, NeurIPS 2023; MATH.md B3)."""

import numpy as np
import pytest

import eqalg
from eqalg import conservation_law_count
from eqalg.errors import DispatchError, InvalidValueError, UnknownNameError


def mlp(d, h, o, activation, *, bias=False, n=None, seed=0):
    rng = np.random.default_rng(seed)
    n = n or 12 * (d + o) * h
    model = eqalg.TwoLayerMLP(rng.standard_normal((n, d)), rng.standard_normal((n, o)), h, activation, bias=bias)
    return model, model.init_params(rng)


# Reference (all cases below): Marcotte, Gribonval & Peyré, "Abide by the Law and Follow the Flow:
# Conservation Laws for Gradient Flows" (NeurIPS 2023, arXiv:2307.00144): for U Vᵀ and two-layer linear
# networks with r hidden units the laws are the r(r+1)/2 entries of UᵀU − VᵀV (and no others, r ≤ sizes);
# for two-layer ReLU networks, one law ‖u_j‖² − ‖v_j‖² per hidden neuron and no others.
@pytest.mark.parametrize("n, m, r", [(4, 3, 2), (5, 5, 3), (6, 4, 4)])
def test_matrix_factorization_has_r_r_plus_1_over_2_laws(n, m, r):
    mf = eqalg.MatrixFactorization((n, m), r, target=np.random.default_rng(0).standard_normal((n, m)))
    theta = mf.init_params(np.random.default_rng(1))
    res = conservation_law_count(mf, theta)
    assert res.count == r * (r + 1) // 2
    assert int(res) == res.count and res.rank.around_cut[1] < 1e-12 < 1e-3 < res.rank.around_cut[0]
    # negative control: the fields' span alone (no brackets) misses the skew directions, r² > r(r+1)/2
    assert mf.space.size - res.field_rank == r * r


@pytest.mark.parametrize("d, h, o", [(3, 2, 3), (4, 3, 4), (4, 3, 3)])
def test_two_layer_linear_network_has_r_r_plus_1_over_2_laws(d, h, o):
    model, theta = mlp(d, h, o, "linear")
    res = conservation_law_count(model, theta)
    assert res.count == h * (h + 1) // 2
    # negative control: without brackets the count would be h² (the laws of the data at hand only)
    assert model.space.size - res.field_rank == h * h
    # inputs spanning R^d suffice: the fields are linear in x
    assert conservation_law_count(model, theta, model.X[:d]).count == h * (h + 1) // 2
    # with biases: W1 W1ᵀ + b1 b1ᵀ − W2ᵀ W2, still h(h+1)/2 laws (MATH.md §C #3)
    model, theta = mlp(d, h, o, "linear", bias=True)
    assert conservation_law_count(model, theta).count == h * (h + 1) // 2


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
@pytest.mark.parametrize("d, h, o, bias", [(3, 2, 2, False), (4, 3, 2, False), (3, 4, 2, True), (2, 5, 1, True)])
def test_two_layer_relu_network_has_one_law_per_neuron(activation, d, h, o, bias):
    model, theta = mlp(d, h, o, activation, bias=bias)
    res = conservation_law_count(model, theta)
    assert res.count == h
    # Structure (our derivation, checked here): on an activation region neuron j's Hessians
    # [[0, x̃ eᵢᵀ], [eᵢ x̃ᵀ, 0]] on (incoming, outgoing) weights generate an so(p)-type algebra, p = d (+1) + o,
    # and the output biases add o commuting translations: dim Lie(W) = h p(p−1)/2 (+ o).
    p = d + o + bias
    assert res.algebra_dim == h * p * (p - 1) // 2 + (o if bias else 0)


def test_count_negative_control_generic_nonlinear_layer_is_refused():
    for activation in ("tanh", "sigmoid"):
        model, theta = mlp(3, 2, 2, activation)
        with pytest.raises(UnknownNameError, match="linear in θ: linear, relu or leaky_relu; this model has"):
            conservation_law_count(model, theta)


def test_softmax_regression_translations_are_all_the_laws():
    rng = np.random.default_rng(0)
    d, c = 4, 3
    X = rng.standard_normal((40, d))
    model = eqalg.SoftmaxRegression(X, np.eye(c)[rng.integers(0, c, 40)])
    theta = model.init_params(rng)
    res = conservation_law_count(model, theta)
    assert res.count == d + 1 == len(model.translation_generators())
    assert res.algebra.is_abelian                       # constant fields commute


def test_too_few_inputs_leave_data_dependent_laws():
    # With one input the fields span less: more quantities are conserved for that data set only.
    model, theta = mlp(3, 3, 2, "relu")
    assert conservation_law_count(model, theta, model.X[:1]).count > 3


def test_count_does_not_depend_on_the_sketch_seed():
    model, theta = mlp(3, 3, 2, "relu", bias=True)
    assert {conservation_law_count(model, theta, seed=s).count for s in range(3)} == {3}


def test_count_refuses_kinks_and_models_without_fields():
    model, theta = mlp(2, 2, 1, "relu", n=10)
    p = model.space.unflatten(theta.copy())
    W1 = p["W1"]
    W1[0] = [model.X[0, 1], -model.X[0, 0]]           # neuron 0 has zero pre-activation on input 0
    with pytest.raises(InvalidValueError, match="kink"):
        conservation_law_count(model, model.space.flatten(p))

    class Plain(eqalg.Model):
        space = eqalg.ParameterSpace.flat(2)

        def loss(self, theta):
            return 0.0

    with pytest.raises(DispatchError):
        conservation_law_count(Plain(), np.zeros(2))


# -- is the sample rich enough? (X_check) --------------------------------------------------------------------
def test_x_check_flags_a_count_that_more_data_lowers():
    rng = np.random.default_rng(99)                 # not the seed of the model's inputs: fresh inputs
    model, theta = mlp(4, 6, 3, "relu", bias=True, n=10)
    res = conservation_law_count(model, theta, X_check=rng.standard_normal((10, 4)))
    # 10 inputs leave data-dependent laws: 10 more generic inputs lower the count, so it is flagged
    assert res.count > 6 and res.enlarged_count < res.count and res.stable is False
    assert res.check_inputs == 10 and res.to_dict()["stable"] is False
    # negative control: 64 inputs are enough, 64 more change nothing
    model, theta = mlp(4, 6, 3, "relu", bias=True, n=64)
    res = conservation_law_count(model, theta, X_check=rng.standard_normal((64, 4)))
    assert res.count == res.enlarged_count == 6 and res.stable is True
    # not checked: None, as before
    plain = conservation_law_count(model, theta)
    assert plain.stable is None and plain.enlarged_count is None and plain.to_dict()["check_inputs"] == 0


def test_x_check_softmax_needs_inputs_spanning_the_input_space():
    rng = np.random.default_rng(1)
    d, c = 4, 3
    X = rng.standard_normal((3, d))                 # 3 < d + 1: x~ = (x, 1) cannot span R^(d+1)
    model = eqalg.SoftmaxRegression(X, np.eye(c)[[0, 1, 2]])
    theta = model.init_params(rng)
    res = conservation_law_count(model, theta, X_check=rng.standard_normal((3, d)))
    assert res.stable is False and res.enlarged_count == d + 1 < res.count
    res = conservation_law_count(model, theta, np.vstack([X, rng.standard_normal((2, d))]),
                                 X_check=rng.standard_normal((5, d)))
    assert res.stable is True and res.count == d + 1


def test_x_check_is_validated_before_the_long_part():
    model, theta = mlp(3, 2, 2, "relu")
    with pytest.raises(eqalg.errors.ShapeError, match="X_check: expected shape"):
        conservation_law_count(model, theta, X_check=np.zeros((4, 5)))


# -- sizes refused before the fields are built ------------------------------------------------------------------
def test_full_factorization_fields_are_refused_before_allocation():
    from eqalg.errors import AlgebraTooLargeError

    # 100 x 100, r = 20: 10⁴ fields over 4·10⁵ coordinates would be 29.8 GiB (was a numpy MemoryError traceback)
    mf = eqalg.MatrixFactorization((100, 100), 20, target=np.zeros((100, 100)))
    with pytest.raises(AlgebraTooLargeError, match=r"X: the 10000 entries of the 100x100 target .* 29\.8 GiB"):
        conservation_law_count(mf, mf.init_params(np.random.default_rng(0)))


def test_factorization_entry_fields_do_not_build_the_nm_identity(monkeypatch):
    mf = eqalg.MatrixFactorization((5, 4), 2, target=np.random.default_rng(0).standard_normal((5, 4)))
    theta = mf.init_params(np.random.default_rng(1))
    explicit = mf.output_fields(theta, np.eye(20).reshape(20, 5, 4))

    def no_eye(*a, **k):
        raise AssertionError("np.eye(n*m) holds (n*m)^2 numbers")

    monkeypatch.setattr(np, "eye", no_eye)
    default = mf.output_fields(theta)
    assert len(default) == len(explicit) == 20
    for a, b in zip(default, explicit):
        np.testing.assert_array_equal(a.to_dense(), b.to_dense())


@pytest.mark.parametrize("which", ["mlp", "softmax"])
def test_many_inputs_are_refused_before_their_fields_are_built(monkeypatch, which):
    from eqalg.errors import AlgebraTooLargeError
    from eqalg.transforms import _closure

    rng = np.random.default_rng(0)
    if which == "mlp":
        model = eqalg.TwoLayerMLP(rng.standard_normal((50, 4)), rng.standard_normal((50, 3)), 6)
    else:
        model = eqalg.SoftmaxRegression(rng.standard_normal((50, 4)), np.eye(3)[rng.integers(0, 3, 50)])
    theta = model.init_params(rng)
    monkeypatch.setattr(_closure, "MEMORY_LIMIT", 2 ** 16)       # stands for 10⁶ inputs at the real limit

    def no_fields(self, *a, **k):
        raise AssertionError("a field was built before the size check")

    monkeypatch.setattr(eqalg.LinearGenerator, "__init__", no_fields)
    with pytest.raises(AlgebraTooLargeError, match=r"X: 50 inputs \(the training inputs\) give 150 gradient fields"):
        conservation_law_count(model, theta)


def test_a_too_large_lie_w_names_the_inputs_not_the_closure_arguments(monkeypatch):
    from eqalg.errors import AlgebraTooLargeError
    from eqalg.transforms import _closure

    model, theta = mlp(3, 4, 2, "relu", n=5)
    assert conservation_law_count(model, theta).algebra_dim > 15        # 10 fields generate more than 15 dims
    with pytest.raises(AlgebraTooLargeError, match=r"max_dim: the closure exceeds 10"):
        conservation_law_count(model, theta, max_dim=10)                # an argument of this function: as is
    monkeypatch.setattr(_closure, "MEMORY_LIMIT", 8 * 15 * model.space.size * (model.space.size + 1))   # 15 rows
    with pytest.raises(AlgebraTooLargeError, match=r"model, X: Lie\(W\) of the 10 gradient fields is too large"):
        conservation_law_count(model, theta)
