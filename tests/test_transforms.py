"""Typed transformations: signed permutations, linear generators, matrix maps."""

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from eqalg import LinearGenerator, MatrixMap, ParameterSpace, SignedPermutation, act, compose, inverse
from eqalg.errors import (InvalidValueError, MissingMethodError, NonFiniteError, ShapeError,
                          SpaceMismatchError)
from eqalg.transforms.base import ContinuousTransformation


@st.composite
def signed_perms(draw, n=6):
    perm = draw(st.permutations(list(range(n))))
    signs = draw(st.lists(st.sampled_from([-1, 1]), min_size=n, max_size=n))
    return SignedPermutation(perm, signs)


@settings(max_examples=50, deadline=None)
@given(signed_perms(), signed_perms(), signed_perms())
def test_signed_permutation_group_laws(g, h, k):
    x = np.arange(1.0, 7.0)
    # `g @ h` applies h first, and the dense matrix is a homomorphism
    np.testing.assert_array_equal((g @ h).act(x), g.act(h.act(x)))
    np.testing.assert_array_equal((g @ h).to_dense(), g.to_dense() @ h.to_dense())
    assert (g @ h) @ k == g @ (h @ k)
    assert (g @ inverse(g)).is_identity and (inverse(g) @ g).is_identity
    assert g ** -1 == inverse(g)
    assert g ** 3 == g @ g @ g
    assert (g ** 0).is_identity
    np.testing.assert_array_equal(g.linear_apply_transpose(x), g.to_dense().T @ x)
    assert hash(g @ h) == hash(SignedPermutation((g @ h).perm, (g @ h).signs))


def test_signed_permutation_gather_convention_and_operators():
    g = SignedPermutation([2, 0, 1], [1, -1, 1])
    theta = np.array([10.0, 20.0, 30.0])
    np.testing.assert_array_equal(g.act(theta), [30.0, -10.0, 20.0])
    np.testing.assert_array_equal(g @ theta, g.act(theta))
    np.testing.assert_array_equal(act(g, theta), g.act(theta))
    np.testing.assert_array_equal(g.linear_apply(np.eye(3)), g.to_dense())
    assert g.is_orthogonal
    assert g != SignedPermutation([2, 0, 1])


def test_signed_permutation_bad_input():
    with pytest.raises(ShapeError, match="permutation"):
        SignedPermutation([0, 0, 1])
    with pytest.raises(InvalidValueError, match="signs"):
        SignedPermutation([0, 1], [1, 2])
    with pytest.raises(ShapeError, match="signs"):
        SignedPermutation([0, 1], [1])
    with pytest.raises(ShapeError):
        SignedPermutation(np.zeros((2, 2), dtype=int))
    with pytest.raises(InvalidValueError, match="integer"):
        SignedPermutation([1, 0]) ** 1.5
    with pytest.raises(SpaceMismatchError):
        SignedPermutation([1, 0]) @ SignedPermutation([1, 0, 2])
    with pytest.raises(ShapeError, match="length 2"):
        SignedPermutation([1, 0]).act(np.zeros(3))
    with pytest.raises(NonFiniteError):
        SignedPermutation([1, 0]).act([np.nan, 1.0])


def _forms(rng, d=5):
    dense = rng.standard_normal((d, d))
    diag = rng.standard_normal(d)
    return [LinearGenerator(dense), LinearGenerator(sp.csr_array(dense)), LinearGenerator.diagonal(diag)], dense, diag


def test_linear_generator_forms_agree(rng):
    (gd, gs, gdiag), dense, diag = _forms(rng)
    theta, V = rng.standard_normal(5), rng.standard_normal((5, 3))
    for g, mat in ((gd, dense), (gs, dense), (gdiag, np.diag(diag))):
        np.testing.assert_allclose(g.generator(theta), mat @ theta)
        np.testing.assert_allclose(g.apply(V), mat @ V)
        np.testing.assert_allclose(g.apply_transpose(V), mat.T @ V)
        np.testing.assert_allclose(g.to_dense(), mat)
        np.testing.assert_allclose(g.curve(theta, 0.3), sla.expm(0.3 * mat) @ theta, rtol=1e-12)
        assert g.quadratic_form(theta) == pytest.approx(0.5 * theta @ mat @ theta)
    assert gs.form == "sparse" and gdiag.form == "diagonal" and gd.form == "dense"
    # linear combinations keep the cheapest common form
    assert (gdiag + 2.0 * gdiag).form == "diagonal"
    assert (gs - gs).form == "sparse"
    np.testing.assert_allclose((0.5 * gd + gdiag).to_dense(), 0.5 * dense + np.diag(diag))
    np.testing.assert_allclose((-gd).to_dense(), -dense)


def test_affine_curve_and_translation(rng):
    c = rng.standard_normal(4)
    theta = rng.standard_normal(4)
    t = LinearGenerator.translation(c)
    np.testing.assert_allclose(t.curve(theta, 0.7), theta + 0.7 * c)
    A = rng.standard_normal((4, 4))
    g = LinearGenerator(A, offset=c)
    aug = np.zeros((5, 5))
    aug[:4, :4], aug[:4, 4] = A, c
    expected = (sla.expm(0.4 * aug) @ np.append(theta, 1.0))[:4]
    np.testing.assert_allclose(g.curve(theta, 0.4), expected, rtol=1e-12)
    d = LinearGenerator.diagonal([1.0, 0.0, -2.0, 0.5], offset=c)
    np.testing.assert_allclose(d.curve(theta, 0.4), (sla.expm(0.4 * np.block(
        [[np.diag([1.0, 0.0, -2.0, 0.5]), c[:, None]], [np.zeros((1, 5))]])) @ np.append(theta, 1.0))[:4])


def test_linear_generator_bad_input(rng):
    with pytest.raises(ShapeError, match="square"):
        LinearGenerator(np.zeros((3, 4)))
    with pytest.raises(ShapeError, match=r"\(4, 4\)"):
        LinearGenerator(np.zeros((3, 3)), ParameterSpace.flat(4))
    with pytest.raises(NonFiniteError):
        LinearGenerator(np.full((2, 2), np.nan))
    with pytest.raises(NonFiniteError):
        LinearGenerator(sp.csr_array(np.array([[np.inf, 0.0], [0.0, 1.0]])))
    with pytest.raises(SpaceMismatchError):
        LinearGenerator(np.eye(2)) + LinearGenerator(np.eye(3))
    with pytest.raises(ShapeError, match="length 3"):
        LinearGenerator(np.eye(3)).generator(np.zeros(2))
    with pytest.raises(InvalidValueError, match="overflows"):
        LinearGenerator.diagonal([1.0, 2.0]).curve([1.0, 1.0], 1e4)


def test_matrix_map_affine_composition_and_inverse(rng):
    M = rng.standard_normal((4, 4)) + 4 * np.eye(4)
    t = rng.standard_normal(4)
    g = MatrixMap(M, t)
    theta = rng.standard_normal(4)
    np.testing.assert_allclose(g.act(theta), M @ theta + t)
    np.testing.assert_allclose(inverse(g).act(g.act(theta)), theta, atol=1e-12)
    h = SignedPermutation([1, 0, 3, 2], [1, -1, 1, 1])
    np.testing.assert_allclose(compose(g, h).act(theta), g.act(h.act(theta)))
    assert not g.is_orthogonal
    Q = np.linalg.qr(rng.standard_normal((4, 4)))[0]
    assert MatrixMap(Q).is_orthogonal
    space = ParameterSpace.flat(4)
    R = MatrixMap.rotation(space, [([0], [1])], np.pi / 2)
    np.testing.assert_allclose(R.act([1.0, 0.0, 5.0, 6.0]), [0.0, 1.0, 5.0, 6.0], atol=1e-15)
    with pytest.raises(InvalidValueError, match="invertible"):
        MatrixMap(np.ones((3, 3)))
    with pytest.raises(ShapeError):
        MatrixMap(np.ones((3, 2)))


def test_missing_obligatory_method_names_signature():
    class Half(ContinuousTransformation):
        space = ParameterSpace.flat(2)

    with pytest.raises(MissingMethodError, match=r"generator\(self, theta\)"):
        Half().generator(np.zeros(2))


def test_sparse_matrix_map_is_checked_without_densifying(monkeypatch):
    # a dense SVD of every sparse catalogue map (D up to 2000) made sigmoid catalogues take minutes
    def no_dense(*args, **kwargs):
        raise AssertionError("a sparse MatrixMap was densified")
    monkeypatch.setattr(np.linalg, "cond", no_dense)
    d = 1500
    M = sp.eye_array(d, format="csr") + sp.csr_array(([1.0], ([0], [d - 1])), shape=(d, d))
    assert not MatrixMap(M).is_orthogonal
    # singular and numerically singular sparse maps are still refused; a well-conditioned one is not
    with pytest.raises(InvalidValueError, match="invertible"):
        MatrixMap(sp.csr_array(np.ones((3, 3))))
    with pytest.raises(InvalidValueError, match="condition number"):
        MatrixMap(sp.csr_array(np.diag([1.0, 1e-17])))
    assert MatrixMap(sp.csr_array(np.diag([1.0, 1e-3]))).act([1.0, 1.0])[1] == 1e-3


def test_sparse_lu_out_of_memory_is_not_called_singular(monkeypatch):
    import scipy.sparse.linalg as spla

    def malloc_fails(*args, **kwargs):
        raise RuntimeError("SUPERLU_MALLOC fails for buf in intCalloc()")
    monkeypatch.setattr(spla, "splu", malloc_fails)
    with pytest.raises(MemoryError, match="out of memory"):
        MatrixMap(sp.eye_array(4, format="csr"))
