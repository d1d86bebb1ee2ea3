"""Regression tests for input that used to be taken silently (fresh-eyes review, 2026-12-06).

Complex entries lost their imaginary part (``FiniteGroup([[0, 1+3j], [1, 0]])`` was the swap),
strings were read as numbers (``MatrixFactorization("86", ...)`` built an 8x6 model, ``bias='False'``
built a model with biases) and NaN passed through ``commutant_average``.
"""

import numpy as np
import pytest

import eqalg
from eqalg.errors import InvalidValueError, NonFiniteError, ShapeError


@pytest.mark.parametrize("generator", [
    np.array([[0, 1 + 3j], [1, 0]]),
    np.array([[1j, 0], [0, 1]]),
    np.array([1 + 5j, 0]),
    (np.array([1, 0]), np.array([1 + 0j, -1])),
])
def test_complex_group_generators_are_refused(generator):
    with pytest.raises(ShapeError, match="generators\\[0\\].*complex"):
        eqalg.FiniteGroup([generator])


def test_real_generators_still_work():
    assert eqalg.FiniteGroup([np.array([[0, 1.0], [1, 0]])]).order == 2      # control
    assert eqalg.FiniteGroup([np.array([1, 2, 0])]).order == 3
    assert eqalg.SignedPermutation(np.array([1.0, 0.0])).perm.tolist() == [1, 0]


def test_signed_permutation_and_generator_actions_refuse_complex():
    with pytest.raises(ShapeError, match="perm"):
        eqalg.SignedPermutation([1 + 2j, 0])
    with pytest.raises(ShapeError, match="signs"):
        eqalg.SignedPermutation([1, 0], [1 + 0j, 1])
    A = eqalg.LinearGenerator(np.eye(2))
    with pytest.raises(ShapeError, match="v: expected real"):
        A.apply(np.ones(2) + 5j)
    with pytest.raises(ShapeError, match="v: expected real"):
        A.apply_transpose(np.ones(2) + 5j)
    element = eqalg.FiniteGroup([np.array([1, 0])]).elements[1]
    with pytest.raises(ShapeError, match="x"):
        element @ (np.ones(2) + 1j)


def test_times_must_be_real_numbers():
    A = eqalg.LinearGenerator(np.array([[0.0, -1.0], [1.0, 0.0]]))
    for bad in ("0.3", True, 0.3 + 0j, None):
        with pytest.raises(InvalidValueError, match="t: expected a finite real number"):
            eqalg.exp(A, bad)
    np.testing.assert_allclose(eqalg.exp(A, np.float32(0.5)).to_dense(), eqalg.exp(A, 0.5).to_dense(), rtol=1e-7)


def test_commutant_average_names_bad_s():
    rho = [eqalg.SignedPermutation([1, 0])]
    for bad, error in (("abc", ShapeError), (np.eye(2) + 1j, ShapeError), (np.full((2, 2), np.nan), NonFiniteError)):
        with pytest.raises(error, match="S"):
            eqalg.commutant_average(rho, bad)
    S = np.array([[1.0, 2.0], [0.0, 3.0]])
    avg = eqalg.commutant_average(rho, S)
    np.testing.assert_allclose(avg, [[2.0, 1.0], [1.0, 2.0]])                 # control: (S + PSPᵀ)/2


@pytest.mark.parametrize("shape", ["86", (8.7, 6), (8, 6, 1), (8, -6), 8])
def test_factorization_shape_must_be_two_integers(shape):
    with pytest.raises((ShapeError, InvalidValueError), match="shape"):
        eqalg.MatrixFactorization(shape, 3, target=np.ones((8, 6)))
    assert eqalg.MatrixFactorization((np.int64(8), 6), 3, target=np.ones((8, 6))).space.size == 42


@pytest.mark.parametrize("bias", ["False", "no", 1, None])
def test_bias_must_be_a_boolean(bias):
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((6, 3)), np.eye(2)[[0, 1, 0, 1, 0, 1]]
    for build in (lambda b: eqalg.TwoLayerMLP(X, Y, 3, bias=b), lambda b: eqalg.MLP(X, Y, 3, 3, bias=b),
                  lambda b: eqalg.SoftmaxRegression(X, Y, bias=b),
                  lambda b: eqalg.NormalizedMLP(X, Y, 3, 2, "tanh", "cross_entropy", bias=b)):
        with pytest.raises(InvalidValueError, match="bias: expected True or False"):
            build(bias)
        assert build(np.bool_(False)).space.size < build(True).space.size


@pytest.mark.parametrize("rtol", [1e-15, 1e-13, 0.01, 0.5])
def test_rank_tolerance_outside_its_range_is_refused(rtol):
    # 1e-15 used to end in numpy's LinAlgError; 0.5 gave orbit dimension 0 for six independent directions
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((64, 4)), rng.standard_normal((64, 3))
    model = eqalg.TwoLayerMLP(X, Y, hidden=6, activation="relu", loss="mse")
    theta = model.init_params(rng)
    with pytest.raises(InvalidValueError, match="rtol: expected a rank tolerance between 1e-12 and 0.001"):
        eqalg.conservation_law_count(model, theta, rtol=rtol)
    algebra = eqalg.LieAlgebra([model.rescale_generator(j) for j in range(6)])
    with pytest.raises(InvalidValueError, match="rtol"):
        algebra.orbit_rank(theta, rtol=rtol)
    assert algebra.orbit_dimension(theta) == 6                               # control at the default
    assert eqalg.conservation_law_count(model, theta, rtol=1e-12).count == 6


def test_cli_rank_tolerance_is_checked_before_the_run(capsys):
    from eqalg.cli import main
    assert main(["algebra", "--rtol", "1e-14", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "argument --rtol: expected a rank tolerance between 1e-12" in err


def test_conservation_count_names_x_check():
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((64, 4)), rng.standard_normal((64, 3))
    model = eqalg.TwoLayerMLP(X, Y, hidden=6, activation="relu", loss="mse")
    theta = model.init_params(rng)
    with pytest.raises(ShapeError, match=r"^X_check: expected shape \(N, 4\)"):
        eqalg.conservation_law_count(model, theta, X_check=np.ones((3, 7)))
    with pytest.raises(NonFiniteError, match="^X_check"):
        eqalg.conservation_law_count(model, theta, X_check=np.full((3, 4), np.nan))
    with pytest.raises(ShapeError, match=r"^X: expected shape"):
        eqalg.conservation_law_count(model, theta, X=np.ones((3, 7)))
    assert eqalg.conservation_law_count(model, theta, X_check=np.ones((3, 4))).enlarged_count is not None


def test_sum_of_generators_starts_from_zero():
    A = eqalg.LinearGenerator(np.eye(2))
    B = eqalg.LinearGenerator(np.array([[0.0, 1.0], [0.0, 0.0]]))
    np.testing.assert_array_equal(sum([A, B]).matrix, [[1.0, 1.0], [0.0, 1.0]])
    for bad in (1, 0.5, True):                    # only the additive identity 0 is absorbed
        with pytest.raises(TypeError):
            bad + A
