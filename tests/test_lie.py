"""Lie algebras of linear/affine generators: brackets, closure, structure, orbits (MATH.md §A, B2, D.2)."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import eqalg
from eqalg import (LieAlgebra, LinearGenerator, MatrixMap, SignedPermutation, bracket, conjugate, derive,
                   evaluate, vector_field_bracket)
from eqalg.errors import (DispatchError, InvalidValueError, NonFiniteError, ShapeError, SpaceMismatchError)
from eqalg.space import ParameterSpace
from eqalg.testing import check_lie_algebra


def unit(n, i, j):
    m = np.zeros((n, n))
    m[i, j] = 1.0
    return m


def rotations(n, planes=None):
    planes = planes or [(i, j) for i in range(n) for j in range(i + 1, n)]
    return [LinearGenerator(unit(n, i, j) - unit(n, j, i), name=f"R{i}{j}") for i, j in planes]


def rel(a, b):
    return (a - b).norm() / max(a.norm(), b.norm(), 1e-300)


def killing_signature(alg):
    """(#positive, #negative) eigenvalues of the Killing form K_ij = tr(ad_i ad_j)."""
    c = alg.structure_constants                       # ad_i[l, k] = c[i, k, l]
    ad = np.transpose(c, (0, 2, 1))
    K = np.einsum("ikl,jlk->ij", ad, ad)
    ev = np.linalg.eigvalsh(0.5 * (K + K.T))
    tol = 1e-9 * np.abs(ev).max()
    return int(np.sum(ev > tol)), int(np.sum(ev < -tol))


# -- closure: reference dimensions ----------------------------------------------------------------------
@pytest.mark.parametrize("n", [2, 3, 5, 8])
def test_gl_n_from_two_generic_generators(n, rng):
    # Reference: two generic matrices generate gl(n) as a Lie algebra (dim n²; e.g. Kuranishi 1951,
    # "On everywhere dense imbedding of free groups in Lie groups").
    alg = LieAlgebra([LinearGenerator(rng.standard_normal((n, n))) for _ in range(2)])
    assert alg.dim == n * n
    assert alg.evidence.gap > 1e6                    # kept ≫ dropped: a clean cut
    check_lie_algebra(alg)


def test_gl_negative_control_skew_generators_stay_in_so_n(rng):
    n = 5
    skew = [rng.standard_normal((n, n)) for _ in range(2)]
    alg = LieAlgebra([LinearGenerator(a - a.T) for a in skew])
    assert alg.dim == n * (n - 1) // 2 < n * n       # so(n), not gl(n)


@pytest.mark.parametrize("n", [3, 4, 5])
def test_so_n_from_elementary_rotations(n):
    # Reference: dim so(n) = n(n-1)/2 (standard).
    assert LieAlgebra(rotations(n)).dim == n * (n - 1) // 2
    # adjacent-plane rotations generate all of so(n) through brackets
    adjacent = LieAlgebra(rotations(n, [(i, i + 1) for i in range(n - 1)]))
    assert adjacent.dim == n * (n - 1) // 2
    assert adjacent.evidence.levels[0][1] == n - 1   # only the generators before bracketing


def test_so_n_negative_control_disjoint_planes_commute():
    alg = LieAlgebra(rotations(5, [(0, 1), (2, 3)]))
    assert alg.dim == 2 and alg.is_abelian


def test_sl2_structure_constants():
    # Reference: standard basis of sl(2): [H, E] = 2E, [H, F] = -2F, [E, F] = H
    # (Humphreys, Introduction to Lie Algebras and Representation Theory, 1972).
    H, E, F = (LinearGenerator(m) for m in (np.diag([1.0, -1.0]), unit(2, 0, 1), unit(2, 1, 0)))
    alg = LieAlgebra([E, F])
    assert alg.dim == 3
    c = alg.structure_constants_in([H, E, F])
    expected = np.zeros((3, 3, 3))
    expected[0, 1, 1], expected[0, 2, 2], expected[1, 2, 0] = 2.0, -2.0, 1.0
    expected -= expected.transpose(1, 0, 2)
    np.testing.assert_allclose(c, expected, atol=1e-12)
    # Orthonormal-basis constants: antisymmetric, satisfy Jacobi.
    s = alg.structure_constants
    np.testing.assert_allclose(s, -s.transpose(1, 0, 2), atol=1e-13)
    jac = (np.einsum("ijm,mkl->ijkl", s, s) + np.einsum("jkm,mil->ijkl", s, s) + np.einsum("kim,mjl->ijkl", s, s))
    assert np.abs(jac).max() < 1e-12
    # Split real form: Killing form of signature (2, 1).
    assert killing_signature(alg) == (2, 1)


def test_sl2_negative_control_so3_is_compact():
    # so(3) has the same dimension but a negative definite Killing form: not isomorphic to sl(2).
    assert killing_signature(LieAlgebra(rotations(3))) == (0, 3)


def test_structure_constants_in_refuses_non_basis():
    alg = LieAlgebra([LinearGenerator(unit(2, 0, 1)), LinearGenerator(unit(2, 1, 0))])
    with pytest.raises(InvalidValueError):
        alg.structure_constants_in([LinearGenerator(np.eye(2)), LinearGenerator(unit(2, 0, 1)),
                                    LinearGenerator(unit(2, 1, 0))])          # I ∉ sl(2)
    with pytest.raises(InvalidValueError):
        alg.structure_constants_in([LinearGenerator(unit(2, 0, 1))])           # too few


# -- bracket: laws, forms, conventions ------------------------------------------------------------------
def generators(draw, d, with_offset):
    kind = draw(st.sampled_from(["dense", "sparse", "diagonal"]))
    seed = draw(st.integers(0, 2 ** 31 - 1))
    r = np.random.default_rng(seed)
    off = r.standard_normal(d) if with_offset and draw(st.booleans()) else None
    if kind == "dense":
        return LinearGenerator(r.standard_normal((d, d)), offset=off)
    if kind == "sparse":
        return LinearGenerator(sp.random_array((d, d), density=0.3, rng=r), offset=off)
    return LinearGenerator.diagonal(r.standard_normal(d), offset=off)


@st.composite
def triples(draw):
    d = draw(st.integers(1, 6))
    return [generators(draw, d, with_offset=True) for _ in range(3)], draw(st.floats(-3, 3)), draw(st.floats(-3, 3))


@settings(max_examples=60, deadline=None)
@given(triples())
def test_bracket_antisymmetry_bilinearity_jacobi(args):
    # Relative to the bound ‖[P, Q]‖ ≤ 2‖P‖‖Q‖ (commuting pairs give roundoff-level brackets).
    (X, Y, Z), a, b = args
    nx, ny, nz = X.norm(), Y.norm(), Z.norm()
    assert (bracket(X, Y) + bracket(Y, X)).norm() <= 1e-13 * 2 * nx * ny
    lhs, rhs = bracket(a * X + b * Y, Z), a * bracket(X, Z) + b * bracket(Y, Z)
    assert (lhs - rhs).norm() <= 1e-12 * 2 * (abs(a) * nx + abs(b) * ny) * nz
    terms = [bracket(X, bracket(Y, Z)), bracket(Y, bracket(Z, X)), bracket(Z, bracket(X, Y))]
    assert (terms[0] + terms[1] + terms[2]).norm() <= 1e-12 * 3 * 4 * nx * ny * nz


def test_jacobi_negative_control_anticommutator(rng):
    # The symmetrized product {A, B} = AB + BA is bilinear but fails Jacobi: the test above would see it.
    X, Y, Z = (LinearGenerator(rng.standard_normal((4, 4))) for _ in range(3))

    def anti(p, q):
        a, b = p.to_dense(), q.to_dense()
        return LinearGenerator(a @ b + b @ a)

    terms = [anti(X, anti(Y, Z)), anti(Y, anti(Z, X)), anti(Z, anti(X, Y))]
    assert (terms[0] + terms[1] + terms[2]).norm() > 1e-2 * sum(t.norm() for t in terms)


def test_bracket_is_the_homogeneous_commutator_and_keeps_forms(rng):
    d = 6
    dense = LinearGenerator(rng.standard_normal((d, d)), offset=rng.standard_normal(d))
    sparse = LinearGenerator(sp.random_array((d, d), density=0.3, rng=rng), offset=rng.standard_normal(d))
    diag = LinearGenerator.diagonal(rng.standard_normal(d), offset=rng.standard_normal(d))
    for x, y, form in [(diag, diag, "diagonal"), (diag, sparse, "sparse"), (sparse, sparse, "sparse"),
                       (sparse, dense, "dense")]:
        z = bracket(x, y)
        assert z.form == form
        hx, hy = x.homogeneous().toarray(), y.homogeneous().toarray()
        np.testing.assert_allclose(z.homogeneous().toarray(), hx @ hy - hy @ hx, atol=1e-12)
    # diagonal generators commute; their bracket is the translation d_x * c_y - d_y * c_x
    z = bracket(diag, diag * 2.0 + LinearGenerator.translation(np.ones(d)))
    assert not np.any(z.matrix) and np.allclose(z.offset, diag.matrix * np.ones(d))


def test_bracket_sign_convention(rng):
    # bracket = matrix commutator [A, B]; the vector-field bracket of MATH.md §A is its negative.
    A, B = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    a, b = LinearGenerator(A), LinearGenerator(B)
    np.testing.assert_allclose(bracket(a, b).to_dense(), A @ B - B @ A, atol=1e-13)
    theta = rng.standard_normal(3)
    np.testing.assert_allclose(vector_field_bracket(a, b).generator(theta), (B @ A - A @ B) @ theta, atol=1e-13)


def test_large_sparse_bracket_is_not_densified():
    d = 20000
    a = LinearGenerator(sp.random_array((d, d), density=1e-4, rng=np.random.default_rng(1)))
    b = LinearGenerator.diagonal(np.arange(d, dtype=float))
    c = bracket(a, b)
    assert c.form == "sparse" and c.matrix.nnz <= a.matrix.nnz


def test_sum_and_bracket_of_symmetries_are_symmetries():
    mf = eqalg.MatrixFactorization((5, 4), 2, target=np.random.default_rng(0).standard_normal((5, 4)))
    theta = mf.init_params(np.random.default_rng(1))
    sym = mf.symmetries()
    C = bracket(sym["gl[0,1]"], sym["gl[1,0]"])
    S = 0.5 * sym["gl[0,1]"] + 2.0 * sym["gl[1,1]"]
    for t in (C, S):
        for c in derive(t):
            for backend in (eqalg.Analytic(), eqalg.FiniteDifference()):
                assert evaluate(c, mf, theta, backend).passed
    # negative control: bracket with a non-symmetry (GL action with the wrong sign on V, M = E_10)
    M = unit(2, 1, 0)
    wrong = LinearGenerator(sp.block_diag([sp.kron(sp.eye(5), M.T), sp.kron(sp.eye(4), M)], format="csr"), mf.space)
    bad = bracket(sym["gl[0,1]"], wrong)
    assert bad.norm() > 0
    assert not evaluate(derive(bad)[0], mf, theta, eqalg.Analytic()).passed


# -- conjugation -------------------------------------------------------------------------------------------
def test_conjugate_by_signed_permutation_matches_dense(rng):
    d = 6
    g = SignedPermutation(rng.permutation(d), rng.choice([-1, 1], d))
    M = g.to_dense()
    c = rng.standard_normal(d)
    for a in (LinearGenerator(rng.standard_normal((d, d)), offset=c),
              LinearGenerator(sp.random_array((d, d), density=0.4, rng=rng), offset=c),
              LinearGenerator.diagonal(rng.standard_normal(d), offset=c)):
        b = conjugate(a, g)
        assert b.form == a.form
        np.testing.assert_allclose(b.to_dense(), M @ a.to_dense() @ M.T, atol=1e-14)
        np.testing.assert_allclose(b.offset, M @ c, atol=1e-14)


def test_conjugate_is_the_pushforward_for_affine_maps(rng):
    d = 4
    M, t = rng.standard_normal((d, d)) + 3 * np.eye(d), rng.standard_normal(d)
    g = MatrixMap(M, t)
    a = LinearGenerator(rng.standard_normal((d, d)), offset=rng.standard_normal(d))
    b = conjugate(a, g)
    theta = rng.standard_normal(d)
    # (g_* J)(θ) = M J(g⁻¹ θ)
    np.testing.assert_allclose(b.generator(theta), M @ a.generator(np.linalg.solve(M, theta - t)), rtol=1e-10)


def test_conjugating_a_symmetry_by_a_symmetry():
    mlp = eqalg.TwoLayerMLP(np.random.default_rng(0).standard_normal((20, 3)),
                            np.random.default_rng(1).standard_normal((20, 2)), 4, "relu")
    sym = mlp.symmetries()
    moved = conjugate(sym["rescale[0]"], sym["swap[0,1]"])
    np.testing.assert_array_equal(moved.matrix, sym["rescale[1]"].matrix)
    # negative control: conjugating GL(r) by a non-symmetry (negate U[:, 0] only) breaks the symmetry
    mf = eqalg.MatrixFactorization((5, 4), 2, target=np.random.default_rng(0).standard_normal((5, 4)))
    theta = mf.init_params(np.random.default_rng(1))
    good = conjugate(mf.symmetries()["gl[0,1]"], mf.symmetries()["flip[0]"])
    bad = conjugate(mf.symmetries()["gl[0,1]"], mf.controls()["flip_U[0]"])
    assert evaluate(derive(good)[0], mf, theta, eqalg.Analytic()).passed
    assert not evaluate(derive(bad)[0], mf, theta, eqalg.Analytic()).passed


# -- the algebra's structure ---------------------------------------------------------------------------------
def test_centre_derived_membership_of_gl_n(rng):
    n = 4
    alg = LieAlgebra([LinearGenerator(rng.standard_normal((n, n))) for _ in range(2)])
    z = alg.centre()
    assert z.dim == 1 and z.is_abelian
    zb = z.basis[0].to_dense()
    np.testing.assert_allclose(zb / zb[0, 0], np.eye(n), atol=1e-10)      # scalars
    der = alg.derived_algebra()
    assert der.dim == n * n - 1                                            # sl(n)
    assert der.contains(LinearGenerator(unit(n, 0, 1))) and not der.contains(LinearGenerator(np.eye(n)))
    assert alg.contains(LinearGenerator(rng.standard_normal((n, n))))
    assert not alg.is_abelian


def test_centre_and_derived_negative_controls():
    so3 = LieAlgebra(rotations(3))
    assert so3.centre().dim == 0 and so3.derived_algebra().dim == 3        # simple
    assert not so3.contains(LinearGenerator(np.eye(3)))
    abel = LieAlgebra([LinearGenerator.diagonal([1.0, 2.0, 3.0]), LinearGenerator.diagonal([0.0, 1.0, 0.0])])
    assert abel.is_abelian and abel.derived_algebra().dim == 0 and abel.centre().dim == 2


def test_membership_residual_and_coordinates(rng):
    alg = LieAlgebra(rotations(4))
    x = alg.element(rng.standard_normal(alg.dim))
    coef, res = alg.coordinates(x)
    assert res < 1e-13
    assert rel(alg.element(coef), x) < 1e-13
    sym = LinearGenerator(np.diag([1.0, 2.0, 3.0, 4.0]))
    assert alg.coordinates(sym)[1] == pytest.approx(1.0)                  # orthogonal to so(4)


def test_orbit_and_stabilizer_so_n(rng):
    n = 5
    alg = LieAlgebra(rotations(n))
    theta = rng.standard_normal(n)
    rank = alg.orbit_rank(theta)
    assert rank.rank == n - 1                                              # sphere S^{n-1}
    assert rank.around_cut[0] > 1e-3 and rank.around_cut[1] < 1e-14
    stab = alg.stabilizer(theta)
    assert stab.dim == (n - 1) * (n - 2) // 2                              # so(n-1)
    assert stab.dim + rank.rank == alg.dim                                 # dim T = dim g − dim g_θ
    for b in stab.basis:
        assert np.linalg.norm(b.generator(theta)) < 1e-12
    # negative control: the fixed point θ = 0 has a trivial orbit and the whole algebra as stabilizer
    assert alg.orbit_dimension(np.zeros(n)) == 0 and alg.stabilizer(np.zeros(n)).dim == alg.dim


def test_affine_algebra_with_translations(rng):
    d = 3
    trans = [LinearGenerator.translation(np.eye(d)[i]) for i in range(d)]
    dil = LinearGenerator(np.eye(d), name="dilation")
    alg = LieAlgebra(trans + [dil])
    assert alg.dim == d + 1 and alg.has_translations and not alg.is_abelian
    assert alg.derived_algebra().dim == d                                  # [dilation, c] = c
    assert LieAlgebra(trans).is_abelian
    theta = rng.standard_normal(d)
    assert alg.orbit_dimension(theta) == d and alg.stabilizer(theta).dim == 1
    # the stabilizer is the dilation about θ: J(θ') = θ' − θ
    s = alg.stabilizer(theta).basis[0]
    np.testing.assert_allclose(s.generator(theta), 0.0, atol=1e-13)
    assert alg.contains(LinearGenerator(2 * np.eye(d), offset=[1.0, 2.0, 3.0]))
    assert not alg.contains(LinearGenerator(np.diag([1.0, 2.0, 3.0])))


def test_rtol_is_the_documented_cut(rng):
    # so(3) plus a symmetric perturbation of relative size 1e-7: below rtol = 1e-5 it is dropped,
    # above rtol = 1e-9 it is a new direction (and then generates more).
    gens = rotations(3)
    eps = 1e-7
    gens[0] = gens[0] + eps * LinearGenerator(np.diag([1.0, -1.0, 0.0]))
    coarse = LieAlgebra(gens, rtol=1e-5)
    fine = LieAlgebra(gens, rtol=1e-9)
    assert coarse.dim == 3 and fine.dim > 3
    assert max(coarse.evidence.dropped) < 1e-5 < min(coarse.evidence.kept)
    assert min(fine.evidence.kept) < 1e-5


def test_abelian_rescalings_of_a_wide_relu_network_stay_sparse():
    mlp = eqalg.TwoLayerMLP(np.random.default_rng(0).standard_normal((8, 30)),
                            np.random.default_rng(1).standard_normal((8, 10)), 128, "relu")
    gens = [mlp.rescale_generator(j) for j in range(mlp.hidden)]
    alg = LieAlgebra(gens)
    assert alg.dim == 128 and alg.is_abelian
    assert alg.coordinates_matrix.shape[1] == mlp.space.size - mlp.n_outputs   # diagonal pattern only
    assert all(b.form == "diagonal" for b in alg.basis[:3])
    theta = mlp.init_params(np.random.default_rng(2))
    assert alg.orbit_dimension(theta) == 128
    check_lie_algebra(alg)


def test_closure_does_not_depend_on_the_seed(rng):
    gens = [LinearGenerator(rng.standard_normal((7, 7))) for _ in range(2)]      # sketched levels
    dims = {LieAlgebra(gens, seed=s, batch=16).dim for s in range(3)}
    assert dims == {49}


def test_check_lie_algebra_catches_a_broken_algebra(rng):
    alg = LieAlgebra(rotations(3))

    class Broken(LieAlgebra):
        __slots__ = ()

        def contains(self, x, rtol=None):        # claims nothing is a member
            return False

    broken = Broken.__new__(Broken)
    for slot in LieAlgebra.__slots__:
        setattr(broken, slot, getattr(alg, slot))
    with pytest.raises(AssertionError, match="closure"):
        check_lie_algebra(broken)


def test_derive_on_an_algebra_gives_constraints_of_every_basis_element():
    mf = eqalg.MatrixFactorization((4, 3), 2, target=np.random.default_rng(0).standard_normal((4, 3)))
    theta = mf.init_params(np.random.default_rng(1))
    alg = LieAlgebra([t for t in mf.symmetries().values() if isinstance(t, LinearGenerator)])
    constraints = derive(alg)
    assert alg.dim == 4 and len(constraints) == 3 * alg.dim          # L1, L2 and I0 per basis element
    assert all(evaluate(c, mf, theta, eqalg.Analytic()).passed for c in constraints)
    # negative control: the algebra generated with a non-symmetry has violated constraints
    bad = LieAlgebra(list(alg.generators) + [mf.controls()["scale_U"]])
    assert not all(evaluate(c, mf, theta, eqalg.Analytic()).passed for c in derive(bad))


# -- bad input ---------------------------------------------------------------------------------------------
def test_bad_input_raises_clear_errors(rng):
    with pytest.raises(ShapeError):
        LinearGenerator(np.zeros((2, 3)))                                   # non-square
    with pytest.raises(ShapeError):
        LinearGenerator(np.zeros((3, 3)), ParameterSpace.flat(4))           # wrong size
    with pytest.raises(NonFiniteError):
        LinearGenerator(np.array([[0.0, np.nan], [0.0, 0.0]]))              # NaN
    with pytest.raises(NonFiniteError):
        LinearGenerator(np.eye(2), offset=[np.inf, 0.0])
    a, b = LinearGenerator(np.eye(2)), LinearGenerator(np.eye(3))
    c = LinearGenerator(np.eye(2), ParameterSpace([("u", (1,)), ("w", (1,))]))
    for x, y in [(a, b), (a, c)]:
        with pytest.raises(SpaceMismatchError):
            bracket(x, y)
        with pytest.raises(SpaceMismatchError):
            LieAlgebra([x, y])
    with pytest.raises(DispatchError):
        bracket(a, SignedPermutation([1, 0]))                               # incompatible types
    with pytest.raises(DispatchError):
        bracket(a, np.eye(2))
    with pytest.raises(DispatchError):
        conjugate(SignedPermutation([1, 0]), SignedPermutation([1, 0]))
    with pytest.raises(SpaceMismatchError):
        conjugate(a, SignedPermutation([2, 0, 1]))
    with pytest.raises(InvalidValueError):
        LieAlgebra([eqalg.VectorField(lambda t: t, 2)])
    with pytest.raises(InvalidValueError):
        LieAlgebra([])
    assert LieAlgebra([], space=ParameterSpace.flat(3)).dim == 0
    with pytest.raises(InvalidValueError):
        LieAlgebra([a], rtol=0.0)
    alg = LieAlgebra(rotations(3))
    with pytest.raises(SpaceMismatchError):
        alg.contains(a)
    with pytest.raises(ShapeError):
        alg.orbit_dimension(np.zeros(4))
    with pytest.raises(NonFiniteError):
        alg.orbit_dimension(np.array([0.0, np.nan, 1.0]))
    with pytest.raises(InvalidValueError):
        LieAlgebra([LinearGenerator(rng.standard_normal((6, 6))) for _ in range(2)], max_dim=10)


# -- size limits and the centre's two passes -----------------------------------------------------------------
def test_encoding_over_the_memory_limit_is_refused_before_allocation(monkeypatch):
    from eqalg.errors import AlgebraTooLargeError
    from eqalg.transforms import _closure

    gens = [LinearGenerator(np.eye(8)), LinearGenerator(unit(8, 0, 1))]
    monkeypatch.setattr(_closure, "MEMORY_LIMIT", 8 * 2 * 8 * 9 - 1)          # one byte short of 2 x D(D+1)
    with pytest.raises(AlgebraTooLargeError, match=r"generators \(2 of them, encoded\).*MEMORY_LIMIT") as err:
        LieAlgebra(gens)
    assert isinstance(err.value, InvalidValueError)                           # what was raised before
    monkeypatch.setattr(_closure, "MEMORY_LIMIT", 8 * 2 * 8 * 9)
    assert LieAlgebra(gens).dim == 2                                          # negative control: just fits


def test_max_dim_is_an_algebra_too_large_error():
    from eqalg.errors import AlgebraTooLargeError

    rng = np.random.default_rng(0)
    with pytest.raises(AlgebraTooLargeError, match="max_dim: the closure exceeds 5") as err:
        LieAlgebra([LinearGenerator(rng.standard_normal((4, 4))) for _ in range(2)], max_dim=5)
    assert err.value.facts.startswith("max_dim") and "raise max_dim" not in err.value.facts


def brute_force_centre_dim(alg):
    """dim of {x : [x, s] = 0 for all generators} from all dim x g brackets at once (the old algorithm)."""
    from eqalg.transforms._closure import row_split

    e, S, Q = alg._engine, alg._S, alg._engine.Q
    blocks = [e.bracket(Q, np.repeat(S[a:a + 1], alg.dim, axis=0), extend=False)[0] / 2.0 for a in range(S.shape[0])]
    return row_split(np.hstack(blocks), alg.rtol)[2].shape[1]


def heisenberg():
    return [LinearGenerator(unit(3, 0, 1), name="X"), LinearGenerator(unit(3, 1, 2), name="Y")]


@pytest.mark.parametrize("sketch", [1, 3])
@pytest.mark.parametrize("stream", [False, True])
def test_centre_two_passes_agree_with_all_brackets(monkeypatch, sketch, stream):
    from eqalg.transforms import lie

    # one sketch element has a centralizer much larger than the centre: the exact second pass must cut it
    monkeypatch.setattr(lie, "_CENTRE_SKETCH", sketch)
    if stream:                                            # the block-by-block triangular reduction
        monkeypatch.setattr(lie, "_COMMUTANT_BYTES", 0)
    rng = np.random.default_rng(3)
    gl4 = [LinearGenerator(rng.standard_normal((4, 4))) for _ in range(2)]
    cases = {"gl(4)": (gl4, 1), "so(4)": (rotations(4), 0), "heisenberg": (heisenberg(), 1)}
    # gl(3) (+) a commuting 2-dim diagonal block on other coordinates: centre = scalars of gl(3) + the block
    blk = [LinearGenerator(sp.block_diag([rng.standard_normal((3, 3)), np.zeros((2, 2))]).toarray()) for _ in range(2)]
    blk += [LinearGenerator.diagonal([0, 0, 0, 1.0, 0]), LinearGenerator.diagonal([0, 0, 0, 0, 1.0])]
    cases["gl(3)+R^2"] = (blk, 3)
    for name, (gens, expected) in cases.items():
        alg = LieAlgebra(gens)
        z = alg.centre()
        assert z.dim == expected == brute_force_centre_dim(alg), name
        for b in z.basis:
            for g in gens:
                assert bracket(b, g).norm() < 1e-10 * g.norm(), name


def test_abelian_centre_is_the_whole_algebra_without_brackets(monkeypatch):
    alg = LieAlgebra([LinearGenerator.diagonal(np.arange(1.0, 7.0) ** k) for k in range(4)])
    assert alg.is_abelian

    def no_brackets(*a, **k):
        raise AssertionError("an abelian algebra needs no brackets for its centre")

    monkeypatch.setattr(LieAlgebra, "_commutant_null", no_brackets)
    assert alg.centre().dim == alg.dim == 4


def test_centre_and_is_abelian_cost_dim_times_a_few_brackets_not_dim_times_generators():
    n = 6
    alg = LieAlgebra([LinearGenerator(unit(n, a, b)) for a in range(n) for b in range(n)])   # gl(6), 36 generators
    e = alg._engine
    before = e.record.brackets
    assert not alg.is_abelian
    assert e.record.brackets - before <= alg._batch                    # one batch decides
    before = e.record.brackets
    assert alg.centre().dim == 1
    # 3 sketch elements x 36 basis elements, then the 1-dim candidate against the 36 generators (was 36 x 36)
    assert e.record.brackets - before == 3 * 36 + 36
