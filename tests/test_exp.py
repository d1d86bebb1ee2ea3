"""The exponential map exp(A, t): one-parameter subgroups acting on θ (MATH.md §A)."""

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp

import eqalg
from eqalg import ExpMap, LinearGenerator, SignedPermutation, conjugate, exp
from eqalg.errors import DispatchError, InvalidValueError, ShapeError
from eqalg.transforms.exponential import DENSE_EXP_LIMIT


def homogeneous_expm(a, t):
    return sla.expm(t * a.homogeneous().toarray())


@pytest.mark.parametrize("form", ["dense", "sparse", "diagonal"])
def test_exp_matches_expm_and_the_flow(form, rng):
    d = 7
    off = rng.standard_normal(d)
    mat = {"dense": rng.standard_normal((d, d)), "sparse": sp.random_array((d, d), density=0.4, rng=rng)}
    a = (LinearGenerator.diagonal(rng.standard_normal(d), offset=off) if form == "diagonal"
         else LinearGenerator(mat[form], offset=off))
    theta = rng.standard_normal(d)
    e = exp(a, 0.7)
    ref = homogeneous_expm(a, 0.7) @ np.append(theta, 1.0)
    np.testing.assert_allclose(e @ theta, ref[:d], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(e @ theta, a.curve(theta, 0.7), rtol=1e-12, atol=1e-13)   # expm_multiply


def test_large_d_uses_expm_multiply_and_agrees_with_dense_expm(rng):
    d = DENSE_EXP_LIMIT + 44
    A = sp.random_array((d, d), density=3.0 / d, rng=rng)
    a = LinearGenerator(A, offset=rng.standard_normal(d))
    e = exp(a, 0.8)
    assert not e.is_dense                                   # no dense exponential formed
    theta = rng.standard_normal(d)
    ref = homogeneous_expm(a, 0.8) @ np.append(theta, 1.0)
    np.testing.assert_allclose(e @ theta, ref[:d], rtol=1e-11, atol=1e-12)
    V = rng.standard_normal((d, 3))
    np.testing.assert_allclose(e.linear_apply(V), sla.expm(0.8 * A.toarray()) @ V, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(e.linear_apply_transpose(V), sla.expm(0.8 * A.toarray()).T @ V, rtol=1e-11,
                               atol=1e-12)


@pytest.mark.parametrize("d", [5, DENSE_EXP_LIMIT + 10])
def test_one_parameter_group_law(d, rng):
    A = rng.standard_normal((d, d)) / np.sqrt(d) if d < 50 else sp.random_array((d, d), density=4.0 / d, rng=rng)
    a = LinearGenerator(A, offset=rng.standard_normal(d))
    theta = rng.standard_normal(d)
    s, t = 0.3, -1.1
    lhs = exp(a, s) @ (exp(a, t) @ theta)
    np.testing.assert_allclose(lhs, exp(a, s + t) @ theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose((exp(a, s) ** -1) @ (exp(a, s) @ theta), theta, rtol=1e-10, atol=1e-12)
    g = exp(a, s) @ exp(a, t)
    assert isinstance(g, ExpMap) and g.parameter == pytest.approx(s + t)
    # negative control: for non-commuting A, B, exp(sA) exp(sB) ≠ exp(s(A + B))
    b = LinearGenerator(rng.standard_normal((d, d)) if d < 50 else sp.random_array((d, d), density=4.0 / d, rng=rng))
    split = exp(a, s) @ (exp(b, s) @ theta)
    joint = exp(a + b, s) @ theta
    assert np.linalg.norm(split - joint) > 1e-4 * np.linalg.norm(joint)


def test_composition_with_other_discrete_maps(rng):
    d = 4
    a = LinearGenerator(rng.standard_normal((d, d)), offset=rng.standard_normal(d))
    p = SignedPermutation([1, 0, 3, 2], [1, -1, 1, 1])
    theta = rng.standard_normal(d)
    np.testing.assert_allclose((exp(a, 0.5) @ p) @ theta, exp(a, 0.5) @ (p @ theta), rtol=1e-12)
    np.testing.assert_allclose((p @ exp(a, 0.5)) @ theta, p @ (exp(a, 0.5) @ theta), rtol=1e-12)
    b = LinearGenerator(rng.standard_normal((d, d)))
    np.testing.assert_allclose((exp(a, 0.5) @ exp(b, 0.2)) @ theta, exp(a, 0.5) @ (exp(b, 0.2) @ theta), rtol=1e-12)


def test_conjugation_by_a_group_element(rng):
    d = 4
    A, B = rng.standard_normal((d, d)), rng.standard_normal((d, d))
    g = exp(LinearGenerator(B), 0.4)
    c = conjugate(LinearGenerator(A), g)
    M = sla.expm(0.4 * B)
    np.testing.assert_allclose(c.to_dense(), M @ A @ np.linalg.inv(M), rtol=1e-10, atol=1e-12)


def _symmetry_cases():
    rng = np.random.default_rng(7)
    mf = eqalg.MatrixFactorization((5, 4), 2, target=rng.standard_normal((5, 4)))
    X, Y = rng.standard_normal((30, 3)), rng.standard_normal((30, 2))
    relu = eqalg.TwoLayerMLP(X, Y, 4, "relu")
    lin = eqalg.TwoLayerMLP(X, Y, 3, "linear")
    soft = eqalg.SoftmaxRegression(X, np.eye(3)[rng.integers(0, 3, 30)])
    M = rng.standard_normal((3, 3))
    return [(mf, mf.symmetries()["gl[0,1]"] + mf.symmetries()["gl[1,1]"], mf.controls()["scale_U"]),
            (relu, relu.symmetries()["rescale[2]"], relu.controls()["scale_input[0]"]),
            (lin, lin.gl_generator(M), lin.controls()["scale_input[0]"]),
            (soft, soft.symmetries()["translate_b"] + soft.symmetries()["translate_W[:,1]"],
             soft.controls()["translate_W[0,:]"])]


@pytest.mark.parametrize("case", range(4))
def test_symmetry_group_leaves_the_loss_unchanged(case):
    model, sym, control = _symmetry_cases()[case]
    theta = model.init_params(np.random.default_rng(3))
    base = model.loss(theta)
    for t in (-1.0, -0.3, 0.5, 1.5):
        assert abs(model.loss(exp(sym, t) @ theta) - base) <= 1e-12 * abs(base)
    # negative control: the group of a non-symmetry changes the loss
    assert abs(model.loss(exp(control, 0.5) @ theta) - base) > 1e-4 * abs(base)


def test_overflow_and_underflow_never_give_nan():
    theta = np.array([0.0, 1.0])
    # diagonal: e^{1000} overflows alone, but its product with 0 or a tiny entry is finite and exact
    big = LinearGenerator.diagonal([1000.0, -1000.0])
    np.testing.assert_array_equal(exp(big, 1.0) @ theta, [0.0, 0.0])
    out = exp(big, 1.0) @ np.array([1e-300, 1.0])
    assert np.isfinite(out).all() and out[0] == pytest.approx(np.exp(1000.0 - 300 * np.log(10)), rel=1e-12)
    with pytest.raises(InvalidValueError, match="overflow"):
        exp(big, 1.0) @ np.array([1.0, 1.0])
    # dense: the matrix exponential overflows, the action on the decaying direction does not
    dense = LinearGenerator(np.array([[1000.0, 0.0, 0.0], [0.0, -1000.0, 5.0], [0.0, 0.0, -1.0]]))
    e = exp(dense, 1.0)
    out = e @ np.array([0.0, 1.0, 1.0])
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, [0.0, 5 * (np.exp(-1.0) - np.exp(-1000.0)) / 999.0, np.exp(-1.0)], rtol=1e-10)
    with pytest.raises(InvalidValueError, match="overflow"):
        e @ np.array([1.0, 0.0, 0.0])
    # underflow of a stable generator: correct zeros
    decay = LinearGenerator(np.array([[-800.0, 1.0], [0.0, -900.0]]))
    np.testing.assert_array_equal(exp(decay, 2.0) @ np.array([1.0, 1.0]), [0.0, 0.0])
    # large D with a huge norm: a clear error instead of millions of products
    d = DENSE_EXP_LIMIT + 1
    huge = LinearGenerator(sp.eye_array(d, format="csr") * 1e7)
    with pytest.raises(InvalidValueError, match="expm_multiply"):
        exp(huge, 1.0) @ np.ones(d)


def test_exp_bad_input():
    a = LinearGenerator(np.eye(2))
    for t in (np.nan, np.inf, "x"):
        with pytest.raises(InvalidValueError):
            exp(a, t)
    with pytest.raises(DispatchError):
        exp(SignedPermutation([1, 0]), 1.0)
    with pytest.raises(ShapeError):
        exp(a, 1.0) @ np.ones(3)
    with pytest.raises(ShapeError):
        exp(LinearGenerator(sp.eye_array(DENSE_EXP_LIMIT + 1, format="csr")), 0.1).to_dense()
