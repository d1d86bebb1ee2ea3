"""Isotypic decomposition and commutant averages (MATH.md §A, B6 (D5); Serre 1977 §2.6, §13.2).

Known cases: S_h permuting h coordinates = trivial ⊕ standard (dims 1, h − 1); a Z₂ swap P splits
R^D into Fix(P) ⊕ Fix(−P); the cyclic group C_n rotating n coordinates has 2-dimensional real
irreducibles of complex type for n ≥ 3 (the real characters cos(2πjk/n) pair e^{±2πijk/n});
the quaternion group Q8 acting on H = R^4 is one irreducible of quaternionic type; B_h acts
irreducibly on R^h (its natural representation).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import eqalg
from eqalg import commutant_average, cluster_eigenvalues, isotypic_decomposition
from eqalg.errors import GroupTooLargeError, InvalidValueError, ShapeError
from eqalg.transforms import (FiniteGroup, GroupMismatchError, MatrixRepresentation, NotOrthogonalError,
                              SignedPermutation, cyclic_group, dihedral_group, hyperoctahedral_group,
                              natural_representation, symmetric_group)

from conftest import make_mlp

# left multiplication by i and by j on the quaternion basis (1, i, j, k): signed permutations
Q8_GENERATORS = [([1, 0, 3, 2], [-1, 1, -1, 1]), ([2, 3, 0, 1], [-1, 1, 1, -1])]


def _projector(basis):
    return basis @ basis.T


@pytest.mark.parametrize("h", [2, 3, 4, 5, 6, 7])
def test_symmetric_group_is_trivial_plus_standard(h):
    iso = isotypic_decomposition(natural_representation(symmetric_group(h)))
    assert iso.dims == (1, h - 1) and iso.multiplicities == (1, 1) and iso.types == ("real", "real")
    assert iso.components[0].trivial and not iso.components[1].trivial
    ones = np.ones((h, 1)) / np.sqrt(h)
    np.testing.assert_allclose(_projector(iso.components[0].basis), ones @ ones.T, atol=1e-12)
    np.testing.assert_allclose(_projector(iso.components[1].basis), np.eye(h) - ones @ ones.T, atol=1e-12)
    assert iso.consistent and iso.evidence.grouping == "characters" and iso.evidence.groupings_agree
    assert iso.evidence.average_trace == pytest.approx(1.0) and iso.dim_fixed == 1
    assert [c.character_multiplicity for c in iso.components] == pytest.approx([1.0, 1.0])
    assert iso.predicted_multiplicities() == ({"1": 2} if h == 2 else {"1": 1, str(h - 1): 1})


def test_z2_swap_splits_into_fix_p_and_fix_minus_p():
    # a signed swap of two 3-coordinate blocks on R^8 (coordinates 6, 7 untouched)
    perm = np.array([3, 4, 5, 0, 1, 2, 6, 7])
    signs = np.array([1, -1, 1, 1, -1, 1, 1, 1])
    P = SignedPermutation(perm, signs, name="P")
    iso = isotypic_decomposition(P)                      # a bare map: the group it generates
    M = P.to_dense()
    assert iso.dims == (1, 1) and iso.multiplicities == (5, 3) and iso.dim_fixed == 5
    np.testing.assert_allclose(_projector(iso.components[0].basis), (np.eye(8) + M) / 2, atol=1e-12)
    np.testing.assert_allclose(_projector(iso.components[1].basis), (np.eye(8) - M) / 2, atol=1e-12)
    assert iso.consistent and iso.subgroup.order == 2


@pytest.mark.parametrize("n", [3, 4, 5, 6, 7, 8])
def test_cyclic_rotation_has_two_dimensional_complex_type_irreducibles(n):
    rho = natural_representation(cyclic_group(n))
    iso = isotypic_decomposition(rho)
    ones = 1 + (n % 2 == 0)
    assert iso.dims == (1,) * ones + (2,) * ((n - 1) // 2)
    assert iso.types == ("real",) * ones + ("complex",) * ((n - 1) // 2)
    assert [c.character_norm for c in iso.components] == pytest.approx([1] * ones + [2] * ((n - 1) // 2))
    assert iso.consistent
    # a symmetric matrix commuting with the rotation has its 2-dim eigenvalues in pairs (D5)
    S = np.random.default_rng(n).standard_normal((n, n))
    C = commutant_average(rho, S + S.T)
    assert cluster_eigenvalues(np.linalg.eigvalsh(C)).pattern() == iso.predicted_multiplicities()


def test_quaternionic_and_hyperoctahedral_and_matrix_groups():
    iso = isotypic_decomposition(natural_representation(FiniteGroup(Q8_GENERATORS, name="Q8")))
    assert iso.dims == (4,) and iso.types == ("quaternionic",) and iso.components[0].character_norm == pytest.approx(4)
    iso = isotypic_decomposition(natural_representation(hyperoctahedral_group(4)))
    assert iso.dims == (4,) and iso.types == ("real",) and iso.dim_fixed == 0 and iso.consistent
    # matrix groups acting on the plane: D4 (real type) and a rotation of order 3 (complex type)
    quarter, mirror = np.array([[0.0, -1.0], [1.0, 0.0]]), np.diag([1.0, -1.0])
    assert isotypic_decomposition(MatrixRepresentation(FiniteGroup([quarter, mirror]))).types == ("real",)
    c, s = np.cos(2 * np.pi / 3), np.sin(2 * np.pi / 3)
    iso = isotypic_decomposition(MatrixRepresentation(FiniteGroup([[[c, -s], [s, c]]])))
    assert iso.dims == (2,) and iso.types == ("complex",) and iso.consistent


def test_dihedral_group_on_vertices():
    # D5 on 5 vertices: trivial ⊕ two 2-dimensional real-type irreducibles
    iso = isotypic_decomposition(natural_representation(dihedral_group(5)))
    assert iso.dims == (1, 2, 2) and iso.types == ("real", "real", "real") and iso.consistent


def _brute_average(rho, K, S):
    mats = [rho.image(k).linear_apply(np.eye(rho.space.size)) for k in K.elements]
    return sum(M @ S @ M.T for M in mats) / K.order


def test_commutant_average_matches_the_listed_group_average():
    model, theta = make_mlp("tanh", hidden=3, n=20)
    rho = model.discrete_symmetry_group()                 # B3 acting on θ (D = 27)
    rng = np.random.default_rng(0)
    S = rng.standard_normal((model.space.size,) * 2)
    for K in (rho.group, rho.group.subgroup([rho.group.generators[0]])):
        C = commutant_average(rho, S, K)
        np.testing.assert_allclose(C, _brute_average(rho, K, S), atol=1e-12)
        for g in K.generators:
            M = rho.image(g).to_dense()
            np.testing.assert_allclose(M @ C, C @ M, atol=1e-12)
    quarter = np.array([[0.0, -1.0], [1.0, 0.0]])
    mat = MatrixRepresentation(FiniteGroup([quarter, np.diag([1.0, -1.0])]))
    S2 = rng.standard_normal((2, 2))
    np.testing.assert_allclose(commutant_average(mat, S2), _brute_average(mat, mat.group, S2), atol=1e-12)


def test_block_reduction_agrees_with_the_full_coordinate_action():
    model, theta = make_mlp("tanh", hidden=4, n=20)
    rho = model.discrete_symmetry_group()
    G = rho.group
    K = G.subgroup([G.generators[0], G.generators[2]])    # a transposition and a sign flip
    iso = isotypic_decomposition(rho, K)
    # the same action as signed permutations of all D coordinates (no block reduction)
    full = isotypic_decomposition([rho.image(g) for g in K.generators])
    assert iso.evidence.reduced_dimension == 4 and full.evidence.reduced_dimension == model.space.size
    assert sorted(zip(iso.dims, iso.multiplicities)) == sorted(zip(full.dims, full.multiplicities))
    for a in iso.components:
        match = [b for b in full.components if b.dim == a.dim and b.multiplicity == a.multiplicity
                 and np.allclose(b.character, a.character, atol=1e-9)]
        assert len(match) == 1
        np.testing.assert_allclose(_projector(a.basis), _projector(match[0].basis), atol=1e-10)
    assert iso.dim_fixed == rho.fixed_subspace(K).dim


def test_large_group_uses_generators_only():
    rng = np.random.default_rng(0)
    model = eqalg.TwoLayerMLP(rng.standard_normal((20, 3)), rng.standard_normal((20, 2)), 11, "relu", "mse")
    rho = model.discrete_symmetry_group(max_order=10 ** 8)          # S11: 39916800 elements, never listed
    iso = isotypic_decomposition(rho)
    assert iso.dims == (1, 10) and iso.multiplicities == (model.space.size - 10 * 6, 6)
    assert iso.evidence.grouping == "intertwiners" and iso.class_sizes is None and iso.consistent
    assert iso.evidence.intertwiner_unlinked_max < 1e-12                 # S11 on 11 points: two irreducibles


def test_intertwiners_group_copies_like_characters():
    # S4 acting on all D coordinates (no block reduction): many copies of each irreducible
    model, _ = make_mlp("relu", hidden=4, n=20)
    rho = model.discrete_symmetry_group()
    maps = [rho.image(g) for g in rho.group.generators]
    by_characters = isotypic_decomposition(maps)
    by_intertwiners = isotypic_decomposition(maps, character_limit=1)
    assert by_intertwiners.evidence.grouping == "intertwiners" and by_characters.evidence.groupings_agree
    assert by_intertwiners.dims == by_characters.dims == (1, 3)
    assert by_intertwiners.multiplicities == by_characters.multiplicities == (model.space.size - 3 * 8, 8)
    ev = by_intertwiners.evidence
    assert ev.intertwiner_unlinked_max < 1e-12 < 1e-6 < ev.intertwiner_linked_min


def test_evidence_and_clusters():
    iso = isotypic_decomposition(natural_representation(symmetric_group(5)))
    ev = iso.evidence
    assert ev.splits == 0 and ev.max_scalar_deviation < 1e-12 and ev.orthonormality < 1e-12
    assert ev.clusters.sizes == (1, 4) or ev.clusters.sizes == (4, 1)
    assert ev.clusters.max_spread < 1e-12 * ev.clusters.scale and ev.clusters.min_gap > 1e-3 * ev.clusters.scale
    d = iso.to_dict()
    assert d["predicted_multiplicities"] == {"1": 1, "4": 1} and d["evidence"]["problems"] == []
    c = cluster_eigenvalues([3.0, 1.0, 1.0 + 1e-13, 2.0, 2.0, 2.0], rtol=1e-8)
    assert c.sizes == (2, 3, 1) and c.pattern() == {"1": 1, "2": 1, "3": 1}
    assert c.atol == pytest.approx(3e-8) and c.min_gap == pytest.approx(1.0)
    # an off-block norm measures how far a matrix is from preserving the components
    h = 5
    P = np.ones((h, h)) / h
    assert iso.off_block_norm(np.eye(h) + P)[1] < 1e-14
    assert iso.off_block_norm(np.diag(np.arange(h, dtype=float)))[1] > 0.1


def test_subgroup_of_a_model_group_restricts_the_representation():
    model, theta = make_mlp("tanh", hidden=4, n=20)
    rho = model.discrete_symmetry_group()
    K = eqalg.point_stabilizer(rho, model.tie_neurons(theta, [0, 1, 2]))
    iso = isotypic_decomposition(rho, K)
    p = model.neuron_blocks().shape[1]
    assert K.order == 6 and iso.dims == (1, 2) and iso.multiplicities == (model.space.size - 2 * p, p)
    assert iso.evidence.average_trace == pytest.approx(iso.dim_fixed)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 5), st.integers(0, 10 ** 6), st.integers(1, 2))
def test_random_signed_permutation_groups(n, seed, ngen):
    rng = np.random.default_rng(seed)
    gens = [(rng.permutation(n), rng.choice([-1, 1], n)) for _ in range(ngen)]
    G = FiniteGroup(gens, max_order=10 ** 5)
    rho = natural_representation(G)
    iso = isotypic_decomposition(rho, rng=np.random.default_rng(seed + 1))
    assert iso.consistent, iso.evidence.problems
    assert sum(c.total_dim for c in iso.components) == n
    np.testing.assert_allclose(iso.basis.T @ iso.basis, np.eye(n), atol=1e-10)
    for c in iso.components:                                  # components are invariant subspaces
        for g in G.generators:
            Mb = rho.image(g).linear_apply(c.basis)
            np.testing.assert_allclose(c.project(Mb), Mb, atol=1e-10)


# -- bad input ------------------------------------------------------------------------------------------
def test_non_orthogonal_representations_are_refused():
    model, theta = make_mlp("sigmoid", hidden=3, n=20)
    flip = model.logistic_flip(0)                             # affine-free linear involution, not orthogonal (D7)
    with pytest.raises(NotOrthogonalError, match="not orthogonal"):
        isotypic_decomposition(flip)
    with pytest.raises(NotOrthogonalError):
        isotypic_decomposition(MatrixRepresentation(FiniteGroup([flip])))
    with pytest.raises(NotOrthogonalError):
        commutant_average([flip], np.eye(model.space.size))
    assert issubclass(NotOrthogonalError, InvalidValueError)


def test_subgroups_of_other_groups_are_refused():
    rho = natural_representation(symmetric_group(4))
    other = symmetric_group(4)                 # built separately: the same group, carried over
    a = isotypic_decomposition(rho, other.subgroup([other.generators[0]]))
    b = isotypic_decomposition(rho, rho.group.subgroup([rho.group.generators[0]]))
    assert [(c.dim, c.multiplicity) for c in a.components] == [(c.dim, c.multiplicity) for c in b.components]
    with pytest.raises(GroupMismatchError, match="K:"):
        S5 = symmetric_group(5)
        isotypic_decomposition(rho, S5.subgroup([S5.generators[0]]))
    with pytest.raises(InvalidValueError, match="not contained"):
        isotypic_decomposition(rho, FiniteGroup([(np.arange(4), np.array([-1, 1, 1, 1]))]))
    with pytest.raises(InvalidValueError, match="K:"):
        isotypic_decomposition(rho, "S2")
    # a subgroup of the same root that is not inside the representation's group
    G = rho.group
    H = G.subgroup([G.generators[0]])                         # <(0 1)>
    rho_h = natural_representation(G)
    sub_rep = type(rho_h)(H, rho_h.space, rho_h.blocks)
    with pytest.raises(InvalidValueError, match="not contained"):
        isotypic_decomposition(sub_rep, G.subgroup([G.generators[1]]))


def test_orbital_averages_refuse_huge_pair_graphs(monkeypatch):
    import eqalg.transforms.commutant as commutant
    monkeypatch.setattr(commutant, "PAIR_LIMIT", 100)
    model, _ = make_mlp("tanh", hidden=3, n=20)
    rho = model.discrete_symmetry_group()
    assert isotypic_decomposition(rho).consistent                     # 3 points: 36 pairs, fine
    with pytest.raises(InvalidValueError, match="BlockRepresentation"):
        isotypic_decomposition([rho.image(g) for g in rho.group.generators])   # all D = 27 coordinates


def test_bad_arguments():
    rho = natural_representation(symmetric_group(3))
    with pytest.raises(ShapeError, match="S:"):
        commutant_average(rho, np.eye(4))
    with pytest.raises(InvalidValueError, match="rng"):
        isotypic_decomposition(rho, rng=0)
    with pytest.raises(InvalidValueError, match="cluster_rtol"):
        isotypic_decomposition(rho, cluster_rtol=0.0)
    with pytest.raises(InvalidValueError, match="rho:"):
        isotypic_decomposition(np.eye(3))
    with pytest.raises(ShapeError, match="H:"):
        isotypic_decomposition(rho).off_block_norm(np.eye(4))
    with pytest.raises(InvalidValueError, match="rtol"):
        cluster_eigenvalues([1.0, 2.0], rtol=-1.0)
    quarter = np.array([[0.0, -1.0], [1.0, 0.0]])
    with pytest.raises(GroupTooLargeError, match="K:"):
        isotypic_decomposition(MatrixRepresentation(FiniteGroup([quarter])), character_limit=2)
