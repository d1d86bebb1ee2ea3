"""Representations on parameter space: homomorphism, loss symmetry of a tanh MLP, fixed subspaces
as GD-invariant tied configurations, stabilizers, orbits, isotropy lattices."""

import networkx as nx
import numpy as np
import pytest
from conftest import make_mlp
from hypothesis import given, settings
from hypothesis import strategies as st

from eqalg import (BlockRepresentation, FiniteGroup, gradient_descent, hyperoctahedral_group, natural_representation,
                   symmetric_group)
from eqalg import ParameterSpace, SignedPermutation
from eqalg.errors import GroupTooLargeError, InvalidValueError, ShapeError
from eqalg.transforms.finite import GroupMismatchError

# Isotropy types: B_h on h neurons: Σ_{k ≤ h} p(k) (OEIS A000070); S_h: p(h) (OEIS A000041).
BH_ISOTROPY = {1: 2, 2: 4, 3: 7, 4: 12}
SH_ISOTROPY = {1: 1, 2: 2, 3: 3, 4: 5}


@pytest.fixture(scope="module")
def tanh4():
    model, theta = make_mlp("tanh", hidden=4)
    return model, theta, model.discrete_symmetry_group()


def signed(G, perm, signs=None):
    """The element of G with gather arrays (perm, signs)."""
    return G.elements[G.index((np.asarray(perm), np.ones(len(perm)) if signs is None else np.asarray(signs)))]


def test_discrete_symmetry_group_family(tanh4):
    model, _, rho = tanh4
    assert rho.group.name == "B4" and rho.group.order == 384 and rho.space == model.space
    for act, name in (("relu", "S3"), ("sigmoid", "S3"), ("linear", "B3")):
        assert make_mlp(act, hidden=3)[0].discrete_symmetry_group().group.name == name
    G = rho.group
    swap01 = signed(G, [1, 0, 2, 3])
    flip2 = signed(G, [0, 1, 2, 3], [1, 1, -1, 1])
    assert rho.image(swap01) == model.transposition(0, 1)
    assert rho.image(flip2) == model.sign_flip(2)
    with pytest.raises(GroupTooLargeError):
        make_mlp("tanh", hidden=8)[0].discrete_symmetry_group()          # 2^8 8! > 10^6


def test_every_element_is_a_loss_symmetry(tanh4):
    model, theta, rho = tanh4
    L0 = model.loss(theta)
    rel = [abs(model.loss(rho.act(g, theta)) - L0) / abs(L0) for g in rho.group.elements]
    assert max(rel) <= 1e-12
    # negative control: sign flips are not symmetries of a ReLU network
    relu, th = make_mlp("relu", hidden=4)
    bad = BlockRepresentation(hyperoctahedral_group(4), relu.space, tanh4[2].blocks)
    L1 = relu.loss(th)
    assert max(abs(relu.loss(bad.act(g, th)) - L1) / abs(L1) for g in bad.group.elements) > 1e-3


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 383), st.integers(0, 383))
def test_representation_is_a_homomorphism(i, j):
    model, _ = make_mlp("tanh", hidden=4)
    rho = model.discrete_symmetry_group()
    g, h = rho.group.element(i), rho.group.element(j)
    assert rho.image(g @ h) == rho.image(g) @ rho.image(h)             # ρ(g @ h) = ρ(g) ρ(h)
    v = np.arange(model.space.size, dtype=float)
    assert np.array_equal(rho.act(g @ h, v), rho.act(g, rho.act(h, v)))
    assert rho.trace(g) == np.trace(rho.image(g).to_dense())


def test_homomorphism_negative_control(tanh4):
    _, _, rho = tanh4
    G = rho.group
    g, h = G.generators[0], G.generators[1]
    assert g @ h != h @ g and rho.image(h @ g) != rho.image(g) @ rho.image(h)


# -- fixed subspaces = tied configurations ------------------------------------------------------
def tied_parametrization(model, spec):
    """θ = A φ for the tied configuration: spec[j] is "free", "zero" or (i, sign): block j = sign · block i."""
    rho = model.discrete_symmetry_group()
    blocks, D = rho.blocks, model.space.size
    cols = []
    for j, s in enumerate(spec):
        if s == "free":
            for k in range(blocks.shape[1]):
                col = np.zeros(D)
                col[blocks[j, k]] = 1.0
                for jj, t in enumerate(spec):                        # copies of this neuron
                    if isinstance(t, tuple) and t[0] == j:
                        col[blocks[jj, k]] = t[1]
                cols.append(col)
    outside = np.setdiff1d(np.arange(D), blocks.ravel())
    for c in outside:
        col = np.zeros(D)
        col[c] = 1.0
        cols.append(col)
    return np.array(cols).T


CASES = [  # (generators as (perm, signs), tied configuration)
    ([([1, 0, 2, 3], None)], ["free", (0, 1), "free", "free"]),
    ([([0, 1, 2, 3], [1, 1, -1, 1])], ["free", "free", "zero", "free"]),
    ([([1, 0, 2, 3], [-1, -1, 1, 1])], ["free", (0, -1), "free", "free"]),
    ([([1, 0, 2, 3], None), ([0, 1, 2, 3], [1, 1, 1, -1])], ["free", (0, 1), "free", "zero"]),
    ([([1, 2, 0, 3], None)], ["free", (0, 1), (0, 1), "free"]),
    ([([1, 0, 2, 3], None), ([1, 2, 3, 0], None)], ["free", (0, 1), (0, 1), (0, 1)]),
    ([([1, 0, 2, 3], None), ([1, 2, 3, 0], None), ([0, 1, 2, 3], [-1, 1, 1, 1])], ["zero"] * 4),
]


@pytest.mark.parametrize("gens, spec", CASES)
def test_fixed_subspace_is_the_tied_configuration(tanh4, gens, spec):
    model, _, rho = tanh4
    G = rho.group
    H = G.subgroup([signed(G, p, s) for p, s in gens])
    F = rho.fixed_subspace(H)
    A = tied_parametrization(model, spec)
    free = np.linalg.matrix_rank(A)
    assert F.dim == free == round(F.average_trace)                   # (D5): dim = average trace
    assert np.allclose(F.basis.T @ F.basis, np.eye(F.dim))
    assert np.allclose(F.basis @ (F.basis.T @ A), A)                  # same subspace
    for h in H.generators:
        assert np.array_equal(rho.image(h).linear_apply(F.basis), F.basis)
    # negative control: flipping the sign of a tie gives a configuration outside Fix(H)
    wrong = [(t[0], -t[1]) if isinstance(t, tuple) else t for t in spec]
    if wrong != spec:
        W = tied_parametrization(model, wrong)
        assert not np.allclose(F.basis @ (F.basis.T @ W), W)


@pytest.mark.parametrize("gens, spec", CASES[:5])
def test_gradient_descent_stays_in_fixed_subspace(tanh4, gens, spec):
    model, theta, rho = tanh4
    G = rho.group
    F = rho.fixed_subspace(G.subgroup([signed(G, p, s) for p, s in gens]))
    th = F.project(theta)
    for _ in range(4):
        th = gradient_descent(model, th, lr=0.05, steps=10).theta
        assert F.distance(th) <= 1e-12                               # (D4): Fix(H) is GD-invariant
    assert np.linalg.norm(th - F.project(theta)) > 1e-3               # it did move


def test_gradient_descent_leaves_a_non_symmetric_fixed_subspace(tanh4):
    # negative control: permuting input features is not a symmetry (MATH.md B7); its fixed
    # subspace (W1 columns 0 and 1 tied) is not invariant under GD
    model, theta, _ = tanh4
    H = FiniteGroup([model.input_permutation(0, 1)])
    F = natural_representation(H).fixed_subspace()
    assert F.dim == model.space.size - model.hidden
    th = gradient_descent(model, F.project(theta), lr=0.05, steps=10).theta
    assert F.distance(th) > 1e-6


def test_fixed_subspace_dimension_is_average_trace_for_all_classes():
    model, _ = make_mlp("tanh", hidden=3)
    rho = model.discrete_symmetry_group()
    for c in rho.group.subgroup_classes():
        F = rho.fixed_subspace(c.representative)
        assert F.dim == round(F.average_trace) and abs(F.dim - F.average_trace) < 1e-12
    assert rho.traces().mean() == rho.fixed_subspace().dim == model.n_outputs   # only b2 is fixed by B3


# -- stabilizers, orbits, isotropy -----------------------------------------------------------------
def test_stabilizer_and_orbit(tanh4):
    model, theta, rho = tanh4
    G, b = rho.group, rho.blocks
    assert rho.stabilizer(theta).order == 1 and len(rho.orbit(theta)) == G.order
    tied = theta.copy()
    tied[b[1]] = tied[b[0]]
    tied[b[3]] = -tied[b[2]]
    K = rho.stabilizer(tied)
    assert K.order == 4                                              # ⟨(0 1), (2 −3)⟩
    assert all(np.array_equal(rho.act(k, tied), tied) for k in K.elements)
    orbit = rho.orbit(tied)
    assert len(orbit) * K.order == G.order                           # orbit–stabilizer
    assert np.array_equal(orbit[0], tied) and np.unique(orbit, axis=0).shape[0] == len(orbit)
    zero = theta.copy()
    zero[b[0]] = 0.0
    assert rho.stabilizer(zero).order == 2
    assert rho.stabilizer(np.zeros(model.space.size)).order == G.order


def test_stabilizer_tolerance_and_errors(tanh4):
    model, theta, rho = tanh4
    b = rho.blocks
    near = theta.copy()
    near[b[1]] = near[b[0]] + 1e-13
    assert rho.stabilizer(near).order == 2 and rho.stabilizer(near, rtol=0.0).order == 1
    chain = theta.copy()                                             # 0 ≈ 1 ≈ 2 but 0 ≉ 2
    chain[b[1]] = chain[b[0]] + 0.6e-3
    chain[b[2]] = chain[b[0]] + 1.2e-3
    with pytest.raises(InvalidValueError, match="rtol"):
        rho.stabilizer(chain, rtol=1e-3 / np.abs(chain).max())
    with pytest.raises(ShapeError, match="theta"):
        rho.stabilizer(theta[:-1])
    # a separately built S4 is the same group (carried over to rho.group's domain); S5 and a
    # group that is not a subgroup are refused
    # S4 ⊂ B4 permutes the 4 neuron blocks: Fix has one block's coordinates plus the untouched ones
    n_blocks, size = b.shape
    assert rho.fixed_subspace(symmetric_group(4)).dim == size + model.space.size - n_blocks * size
    with pytest.raises(GroupMismatchError):
        rho.fixed_subspace(symmetric_group(5))
    with pytest.raises(GroupMismatchError):
        rho.fixed_subspace(FiniteGroup([SignedPermutation.negate(ParameterSpace([("x", (4,))]), [0])]))
    with pytest.raises(InvalidValueError, match="group"):
        BlockRepresentation(FiniteGroup([np.diag([1.0, -1.0])]), model.space, b[:2, :1])
    with pytest.raises(ShapeError, match="blocks"):
        BlockRepresentation(rho.group, model.space, b[:3])
    with pytest.raises(ShapeError, match="blocks"):
        BlockRepresentation(rho.group, model.space, np.zeros_like(b))


@pytest.mark.parametrize("h", [1, 2, 3, 4])
def test_isotropy_lattice_counts(h):
    model, theta = make_mlp("tanh", hidden=h)
    rho = model.discrete_symmetry_group()
    iso = rho.isotropy_lattice()
    assert len(iso) == BH_ISOTROPY[h]
    dims = [t.dim for t in iso]
    assert dims == sorted(dims, reverse=True) and dims[0] == model.space.size and dims[-1] == model.n_outputs
    rng = np.random.default_rng(5)
    for t in iso:                            # K is the stabilizer of a generic point of Fix(K)
        x = t.fixed.basis @ rng.standard_normal(t.dim)
        assert rho.stabilizer(x, rtol=0.0).order == t.order
    g = iso.graph()
    assert isinstance(g, nx.DiGraph) and g.number_of_nodes() == len(iso) and nx.is_directed_acyclic_graph(g)
    assert all(iso[a].dim > iso[b].dim for a, b in g.edges())
    relu = make_mlp("relu", hidden=h)[0].discrete_symmetry_group()
    iso_s = relu.isotropy_lattice()
    assert len(iso_s) == SH_ISOTROPY[h]
    p = rho.blocks.shape[1]
    # Young subgroups: a partition with l parts leaves l free neurons
    assert sorted(t.dim for t in iso_s) == sorted(l * p + model.n_outputs for l in
                                                  {1: [1], 2: [1, 2], 3: [1, 2, 3], 4: [1, 2, 2, 3, 4]}[h])


def test_matrix_representation():
    t = 2 * np.pi / 5
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    G = FiniteGroup([R, np.diag([1.0, -1.0])])
    rho = natural_representation(G)
    assert rho.fixed_subspace().dim == 0
    refl = G.subgroup([G.generators[1]])
    F = rho.fixed_subspace(refl)
    assert F.dim == 1 and abs(F.average_trace - 1.0) < 1e-12 and np.allclose(abs(F.basis[:, 0]), [1.0, 0.0])
    assert rho.stabilizer(np.array([1.0, 0.0])).order == 2 and rho.stabilizer(np.array([0.3, 0.7])).order == 1
    assert len(rho.orbit(np.array([0.3, 0.7]))) == 10 and len(rho.orbit(np.array([1.0, 0.0]))) == 5
    assert abs(rho.traces().mean()) < 1e-12
    with pytest.raises(ShapeError):
        type(rho)(G, symmetric_group(3).space)
    with pytest.raises(InvalidValueError, match="group"):
        type(rho)("G")


@pytest.mark.parametrize("n, types", [(3, [(1, 2), (2, 1), (6, 0)]), (4, [(1, 2), (2, 1), (2, 1), (8, 0)])])
def test_isotropy_lattice_of_a_matrix_group(n, types):
    # D_n on the plane: generic points, points on a mirror (one class of mirrors for odd n, two
    # for even n), and the origin
    t = 2 * np.pi / n
    R = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    rho = natural_representation(FiniteGroup([R, np.diag([1.0, -1.0])]))
    assert not rho.exact
    iso = rho.isotropy_lattice()
    assert [(k.order, k.dim) for k in iso] == types
