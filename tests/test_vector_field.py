"""Nonlinear generators (VectorField): constraints (I1), (I2) with the DJ term, brackets (MATH.md B1, B3)."""

import numpy as np
import pytest

import eqalg
from eqalg import LinearGenerator, SignedPermutation, VectorField, bracket, conjugate, derive, evaluate
from eqalg.errors import DispatchError, InvalidValueError, NonFiniteError, ShapeError, SpaceMismatchError
from eqalg.models.base import Model
from eqalg.space import ParameterSpace

BACKENDS = (eqalg.Analytic(), eqalg.FiniteDifference())


class Composite(Model):
    """L(θ) = ℓ(φ(θ)) with ℓ(z) = log(1 + (z − 1)²) + 0.3 z (non-convex) and exact derivatives."""

    def __init__(self, phi, dphi, d2phi, d):
        self.phi, self.dphi, self.d2phi = phi, dphi, d2phi
        self._space = ParameterSpace.flat(d)

    @property
    def space(self):
        return self._space

    @staticmethod
    def _l(z):
        return np.log1p((z - 1) ** 2) + 0.3 * z

    @staticmethod
    def _l1(z):
        return 2 * (z - 1) / (1 + (z - 1) ** 2) + 0.3

    @staticmethod
    def _l2(z):
        u = z - 1
        return (2 - 2 * u * u) / (1 + u * u) ** 2

    def loss(self, theta):
        return float(self._l(self.phi(self.validate_theta(theta))))

    def gradient(self, theta):
        theta = self.validate_theta(theta)
        return self._l1(self.phi(theta)) * self.dphi(theta)

    def hvp(self, theta, v):
        V, single = self.validate_directions(v)
        theta = self.validate_theta(theta)
        z, g = self.phi(theta), self.dphi(theta)
        H = self._l2(z) * np.outer(g, g) + self._l1(z) * self.d2phi(theta)
        out = H @ V
        return out[:, 0] if single else out


def cubic_model():
    # MATH.md B3: L = ℓ(θ₁ + θ₂³)
    return Composite(lambda t: t[0] + t[1] ** 3, lambda t: np.array([1.0, 3 * t[1] ** 2]),
                     lambda t: np.array([[0.0, 0.0], [0.0, 6 * t[1]]]), 2)


def b3_field(analytic=True, sign=-1.0, name="J"):
    # J = (−3θ₂², 1), DJ = [[0, −6θ₂], [0, 0]] (MATH.md B3); sign=+1 is the negative control.
    jac = (lambda t: np.array([[0.0, sign * 6 * t[1]], [0.0, 0.0]])) if analytic else None
    return VectorField(lambda t: np.array([sign * 3 * t[1] ** 2, 1.0]), 2, jacobian=jac, name=name)


@pytest.mark.parametrize("analytic", [True, False], ids=["analytic-jacobian", "numerical-jacobian"])
@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_b3_example_constraints_hold(analytic, backend):
    model, theta = cubic_model(), np.array([0.4, 0.7])
    J = b3_field(analytic)
    cs = derive(J)
    assert [c.label for c in cs] == ["I1", "I2"]
    for c in cs:
        r = evaluate(c, model, theta, backend)
        assert r.passed, r
    # (I2) really uses the DJ term: H J alone is not zero here
    hj = model.hvp(theta, J.generator(theta))
    assert np.linalg.norm(hj) > 1e-2 * np.linalg.norm(model.gradient(theta))


@pytest.mark.parametrize("backend", BACKENDS, ids=lambda b: b.name)
def test_b3_negative_control_is_violated(backend):
    model, theta = cubic_model(), np.array([0.4, 0.7])
    for c in derive(b3_field(sign=+1.0, name="bad")):
        assert not evaluate(c, model, theta, backend).passed


def test_b3_conserved_quantity_with_integrating_factor():
    # MATH.md B3: J is not a gradient field, yet Q = θ₁ + 1/(3θ₂) is conserved: ∇Q = −J/(3θ₂²) ⊥ g.
    model = cubic_model()
    for theta in (np.array([0.4, 0.7]), np.array([-1.0, 2.0])):
        grad_q = np.array([1.0, -1.0 / (3 * theta[1] ** 2)])
        assert abs(grad_q @ model.gradient(theta)) < 1e-14
        assert abs(np.array([1.0, 0.0]) @ model.gradient(theta)) > 1e-3      # control: θ₁ alone is not


def test_numerical_jacobian_matches_analytic(rng):
    f = VectorField(lambda t: np.array([np.sin(t[0]) * t[1], t[0] ** 2 - t[2], np.exp(0.3 * t[1])]), 3)
    theta = rng.standard_normal(3)
    exact = np.array([[np.cos(theta[0]) * theta[1], np.sin(theta[0]), 0.0],
                      [2 * theta[0], 0.0, -1.0],
                      [0.0, 0.3 * np.exp(0.3 * theta[1]), 0.0]])
    np.testing.assert_allclose(f.jacobian_matrix(theta), exact, rtol=1e-9, atol=1e-10)
    v = rng.standard_normal(3)
    np.testing.assert_allclose(f.jacobian_apply(theta, v), exact @ v, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(f.jacobian_transpose_apply(theta, v), exact.T @ v, rtol=1e-9, atol=1e-10)


def three_d_model():
    # φ(θ) = θ₁ + θ₂³ + θ₃: ker Dφ is spanned (at every θ) by J₁ = (−3θ₂², 1, 0) and (−1, 0, 1).
    return Composite(lambda t: t[0] + t[1] ** 3 + t[2], lambda t: np.array([1.0, 3 * t[1] ** 2, 1.0]),
                     lambda t: np.array([[0.0, 0.0, 0.0], [0.0, 6 * t[1], 0.0], [0.0, 0.0, 0.0]]), 3)


def test_bracket_of_vector_fields(rng):
    J1 = VectorField(lambda t: np.array([-3 * t[1] ** 2, 1.0, 0.0]), 3, name="J1",
                     jacobian=lambda t: np.array([[0.0, -6 * t[1], 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    J2 = VectorField(lambda t: np.array([-t[1], 0.0, t[1]]), 3, name="J2")      # numerical Jacobian
    theta = rng.standard_normal(3)
    B = bracket(J1, J2)
    # matrix-group convention: DJ1·J2 − DJ2·J1 = (1, 0, −1) here
    np.testing.assert_allclose(B.generator(theta), [1.0, 0.0, -1.0], atol=1e-9)
    # the (vector-field) convention is its negative: DJ2·J1 − DJ1·J2
    np.testing.assert_allclose(eqalg.vector_field_bracket(J1, J2).generator(theta), [-1.0, 0.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(bracket(J2, J1).generator(theta), -B.generator(theta), atol=1e-9)
    # the bracket of two symmetries is a symmetry: its (I1), (I2) hold with both backends
    model = three_d_model()
    for c in derive(B):
        for backend in BACKENDS:
            assert evaluate(c, model, theta, backend).passed
    # negative control: bracket with a non-symmetry Y = (0, θ₂, 0) is not a symmetry
    Y = VectorField(lambda t: np.array([0.0, t[1], 0.0]), 3, name="Y")
    bad = bracket(J1, Y)
    assert not evaluate(derive(bad)[0], model, theta, eqalg.Analytic()).passed


def test_vector_field_bracket_agrees_with_linear_bracket(rng):
    A, B = LinearGenerator(rng.standard_normal((4, 4))), LinearGenerator(rng.standard_normal((4, 4)))
    theta = rng.standard_normal(4)
    linear = bracket(A, B).generator(theta)
    np.testing.assert_allclose(bracket(VectorField.from_linear(A), VectorField.from_linear(B)).generator(theta),
                               linear, rtol=1e-12)
    np.testing.assert_allclose(bracket(A, VectorField.from_linear(B)).generator(theta), linear, rtol=1e-12)
    np.testing.assert_allclose(bracket(VectorField.from_linear(A), B).generator(theta), linear, rtol=1e-12)


def test_linear_combinations_and_promotion(rng):
    model = three_d_model()
    theta = rng.standard_normal(3)
    J1 = VectorField(lambda t: np.array([-3 * t[1] ** 2, 1.0, 0.0]), 3,
                     jacobian=lambda t: np.array([[0.0, -6 * t[1], 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    T = LinearGenerator.translation([-1.0, 0.0, 1.0])                      # a symmetry too
    S = 0.5 * J1 + 2.0 * T
    assert isinstance(S, VectorField) and S.has_analytic_jacobian
    np.testing.assert_allclose(S.generator(theta), 0.5 * J1.generator(theta) + 2.0 * T.generator(theta))
    np.testing.assert_allclose(S.jacobian_matrix(theta), 0.5 * J1.jacobian_matrix(theta), atol=1e-15)
    assert isinstance(T - J1, VectorField) and isinstance(J1 - T, VectorField)
    for c in derive(S):
        for backend in BACKENDS:
            assert evaluate(c, model, theta, backend).passed
    # negative control: adding a non-symmetry breaks it
    broken = S + LinearGenerator.translation([1.0, 0.0, 0.0])
    assert not evaluate(derive(broken)[0], model, theta, eqalg.Analytic()).passed


def test_conjugate_vector_field_by_permutation(rng):
    J = VectorField(lambda t: np.array([t[1] ** 2, t[0] * t[2], 1.0]), 3,
                    jacobian=lambda t: np.array([[0.0, 2 * t[1], 0.0], [t[2], 0.0, t[0]], [0.0, 0.0, 0.0]]))
    g = SignedPermutation([2, 0, 1], [1, -1, 1])
    M = g.to_dense()
    theta = rng.standard_normal(3)
    c = conjugate(J, g)
    np.testing.assert_allclose(c.generator(theta), M @ J.generator(M.T @ theta), rtol=1e-13)
    np.testing.assert_allclose(c.jacobian_matrix(theta), M @ J.jacobian_matrix(M.T @ theta) @ M.T, rtol=1e-13)


def test_flow_and_curve(rng):
    A = LinearGenerator(rng.standard_normal((3, 3)))
    F = VectorField.from_linear(A)
    theta = rng.standard_normal(3)
    assert F.exact_curve
    np.testing.assert_allclose(F.curve(theta, 0.4), eqalg.exp(A, 0.4) @ theta, rtol=1e-12)
    G = VectorField(A.generator, 3)
    assert not G.exact_curve
    np.testing.assert_allclose(G.curve(theta, 0.1), theta + 0.1 * A.generator(theta))


def test_vector_field_bad_input():
    with pytest.raises(InvalidValueError):
        VectorField("not callable", 2)
    with pytest.raises(InvalidValueError):
        VectorField(lambda t: t, 2, jacobian=np.eye(2))
    with pytest.raises(ShapeError):
        VectorField(lambda t: t, "two")
    with pytest.raises(ShapeError):
        VectorField(lambda t: np.ones(3), 2).generator(np.zeros(2))
    with pytest.raises(NonFiniteError):
        VectorField(lambda t: np.array([np.nan, 0.0]), 2).generator(np.zeros(2))
    with pytest.raises(ShapeError):
        VectorField(lambda t: t, 2, jacobian=lambda t: np.eye(3)).jacobian_matrix(np.zeros(2))
    with pytest.raises(ShapeError):
        VectorField(lambda t: t, 2).generator(np.zeros(3))
    a, b = VectorField(lambda t: t, 2), VectorField(lambda t: t, 3)
    with pytest.raises(SpaceMismatchError):
        bracket(a, b)
    with pytest.raises(SpaceMismatchError):
        a + b
    with pytest.raises(DispatchError):
        bracket(a, SignedPermutation([1, 0]))
    with pytest.raises(NonFiniteError):
        a * np.inf
