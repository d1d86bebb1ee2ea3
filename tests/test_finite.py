"""Finite groups from generators: orders, classes, conventions, degenerate cases and bad input."""

import time
from math import factorial, lcm

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import eqalg
from eqalg.errors import GroupTooLargeError, InvalidValueError, NonFiniteError, ShapeError, SpaceMismatchError
from eqalg.testing import check_group
from eqalg.transforms.domain import finite_order
from eqalg.transforms.finite import TABLE_LIMIT, GroupMismatchError
from eqalg.transforms.stabchain import enumerate_bfs
from eqalg import (FiniteGroup, MatrixMap, ParameterSpace, SignedPermutation, alternating_group, cyclic_group,
                   dihedral_group, direct_product, hyperoctahedral_group, symmetric_group)

# Number of partitions p(n), n = 1..7 (OEIS A000041): conjugacy classes of S_n.
PARTITIONS = [1, 2, 3, 5, 7, 11, 15]
# Conjugacy classes of A_n, n = 1..7 (OEIS A000702).
ALT_CLASSES = [1, 1, 3, 4, 5, 7, 9]
# Conjugacy classes of B_n = pairs of partitions of total n, n = 1..6 (OEIS A000712).
BN_CLASSES = [2, 5, 10, 20, 36, 65]


def rotation(k):
    t = 2 * np.pi / k
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


# -- orders and classes of the standard families -------------------------------------------------
@pytest.mark.parametrize("n", range(1, 8))
def test_symmetric_group_order_classes_exponent(n):
    G = symmetric_group(n)
    assert G.order == factorial(n) and G.degree == n and G.is_permutation_group
    assert len(G.conjugacy_classes()) == PARTITIONS[n - 1]
    assert G.exponent == lcm(*range(1, n + 1))        # lcm(1..n), OEIS A003418
    assert G.is_abelian == (n <= 2)
    assert G.center().order == (1 if n >= 3 else G.order)


@pytest.mark.parametrize("n", range(1, 8))
def test_alternating_group(n):
    G = alternating_group(n)
    assert G.order == (factorial(n) // 2 if n >= 2 else 1)
    assert len(G.conjugacy_classes()) == ALT_CLASSES[n - 1]


@pytest.mark.parametrize("n", range(1, 7))
def test_hyperoctahedral_group(n):
    G = hyperoctahedral_group(n)
    assert G.order == 2 ** n * factorial(n) and G.is_signed_permutation_group
    assert not G.is_permutation_group
    assert len(G.conjugacy_classes()) == BN_CLASSES[n - 1]
    assert G.center().order == 2                        # {±I}


@pytest.mark.parametrize("n", range(1, 13))
def test_dihedral_and_cyclic(n):
    D = dihedral_group(n)
    assert D.order == 2 * n
    # classes of D_n (order 2n): (n + 3)/2 for odd n, (n + 6)/2 for even n
    assert len(D.conjugacy_classes()) == ((n + 3) // 2 if n % 2 else (n + 6) // 2)
    assert D.is_abelian == (n <= 2)
    C = cyclic_group(n)
    assert C.order == n and C.is_abelian and len(C.conjugacy_classes()) == n and C.exponent == n


def test_class_sizes_and_orders_of_s4():
    G = symmetric_group(4)
    classes = G.conjugacy_classes()
    assert [(c.element_order, c.size) for c in classes] == [(1, 1), (2, 3), (2, 6), (3, 8), (4, 6)]
    assert sum(c.size for c in classes) == 24
    orders = G.element_orders()
    assert np.bincount(orders).tolist() == [0, 1, 9, 8, 6]
    for c in classes:
        assert all(G.element_order(G.elements[int(i)]) == c.element_order for i in c.indices)


def test_direct_products():
    G = direct_product(symmetric_group(3), symmetric_group(3))
    assert G.name == "S3xS3" and G.order == 36 and G.degree == 6
    assert len(G.conjugacy_classes()) == 9                # classes multiply
    K = direct_product(*[cyclic_group(2)] * 3)
    assert K.order == 8 and K.is_abelian and K.exponent == 2
    M = direct_product(cyclic_group(3), FiniteGroup([rotation(4)]))
    assert M.order == 12 and not M.is_signed_permutation_group


# -- convention: g @ h applies h first ------------------------------------------------------------
def test_product_applies_right_factor_first():
    G = symmetric_group(3)
    s, c = G.generators
    x = np.array([10.0, 20.0, 30.0])
    assert np.array_equal((s @ c) @ x, s @ (c @ x))
    assert np.array_equal((s @ c).matrix, s.matrix @ c.matrix)
    assert (s @ c).as_transformation() == s.as_transformation() @ c.as_transformation()
    assert s @ c != c @ s                                 # negative control: order matters
    assert eqalg.compose(s, c) == s @ c and eqalg.inverse(s) == s.inverse()
    assert np.array_equal(eqalg.act(c, x), c @ x)
    assert eqalg.power(c, 3) == G.identity and c ** -1 == c.inverse() and c ** 0 == G.identity


def test_signed_elements_match_signed_permutation():
    G = hyperoctahedral_group(3)
    rng = np.random.default_rng(1)
    for _ in range(20):
        g, h = G.random_element(rng), G.random_element(rng)
        T = (g @ h).as_transformation()
        assert T == g.as_transformation() @ h.as_transformation()
        assert np.array_equal(T.to_dense(), (g @ h).matrix)
        assert np.array_equal(T.perm, (g @ h).perm) and np.array_equal(T.signs, (g @ h).signs)


def test_multiplication_table_inverses_and_indices():
    G = hyperoctahedral_group(3)
    T = G.multiplication_table()
    E = G.elements
    inv = G.inverses()
    assert np.array_equal(T[0], np.arange(G.order))       # index 0 is the identity
    rng = np.random.default_rng(2)
    for i, j in rng.integers(G.order, size=(40, 2)):
        assert E[int(T[i, j])] == E[int(i)] @ E[int(j)]
        assert E[int(inv[i])] == E[int(i)].inverse()
    assert all(G.index(g) == i for i, g in enumerate(E))
    assert G.element(17) == E[17] and E[17].index == 17 and E[17].group is G
    assert E.perms.shape == (48, 3) and E.matrices.shape == (48, 3, 3)


def test_cosets_and_lagrange():
    G = symmetric_group(4)
    H = G.subgroup([G.elements[1], G.elements[2]])
    for side in ("left", "right"):
        cosets = G.cosets(H, side)
        assert len(cosets) * H.order == G.order
        assert np.array_equal(np.sort(np.concatenate(cosets)), np.arange(G.order))
    g = G.elements[5]
    left = next(c for c in G.cosets(H, "left") if G.index(g) in c)
    assert {G.index(g @ h) for h in H.elements} == set(left.tolist())


def test_normality():
    S = symmetric_group(4)
    A = S.subgroup([g for g in S.elements if g.matrix.size and round(np.linalg.det(g.matrix)) == 1])
    assert A.order == 12 and A.is_normal_in(S) and A.is_subgroup_of(S)
    T = S.subgroup([S.generators[0]])
    assert T.order == 2 and not T.is_normal_in(S)        # negative control
    assert S.center().is_normal_in(S)


# -- group axioms as properties --------------------------------------------------------------------
GROUPS = [symmetric_group(5), hyperoctahedral_group(4), dihedral_group(9), alternating_group(6),
          direct_product(symmetric_group(3), cyclic_group(4)), FiniteGroup([rotation(6), np.diag([1.0, -1.0])])]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(range(len(GROUPS))), st.integers(0, 10 ** 6), st.integers(0, 10 ** 6), st.integers(0, 10 ** 6))
def test_group_axioms(k, i, j, m):
    G = GROUPS[k]
    a, b, c = (G.element(x % G.order) for x in (i, j, m))
    assert a @ b in G                                     # closure
    assert (a @ b) @ c == a @ (b @ c)                     # associativity
    assert G.identity @ a == a == a @ G.identity          # identity
    assert a @ a.inverse() == G.identity == a.inverse() @ a
    assert hash((a @ b) @ b.inverse()) == hash(a)
    assert np.allclose((a @ b).matrix, a.matrix @ b.matrix)
    assert (a ** G.element_order(a)) == G.identity


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 7), st.lists(st.tuples(st.integers(0, 2 ** 32), st.booleans()), min_size=1, max_size=3))
def test_schreier_sims_agrees_with_breadth_first_search(n, seeds):
    # random signed permutations of n points: the stabilizer chain's order, elements and indices
    # must agree with an independent breadth-first search of the Cayley graph
    gens = []
    for seed, signed in seeds:
        r = np.random.default_rng(seed)
        gens.append((r.permutation(n), r.choice([-1, 1], n) if signed else np.ones(n)))
    G = FiniteGroup(gens)
    bfs = enumerate_bfs(G._gen_rows, G._domain.m, 10 ** 6)
    assert bfs.shape[0] == G.order
    assert np.array_equal(np.sort(G._chain.index(bfs)), np.arange(G.order))
    assert np.array_equal(G._chain.index(G.elements.rows), np.arange(G.order))


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 7), st.lists(st.tuples(st.integers(0, 2 ** 32), st.booleans()), min_size=1, max_size=3),
       st.sampled_from(["true", "double"]))
def test_random_schreier_sims_with_an_order_hint(n, seeds, hint):
    # the known order certifies the random chain; one that is too large is never reached and
    # must hand over to the deterministic algorithm
    gens = []
    for seed, signed in seeds:
        r = np.random.default_rng(seed)
        gens.append((r.permutation(n), r.choice([-1, 1], n) if signed else np.ones(n)))
    exact = FiniteGroup(gens)
    given_order = {"true": exact.order, "double": 2 * exact.order}[hint]
    G = FiniteGroup(gens, _order=given_order)
    assert G.order == exact.order
    assert np.array_equal(np.sort(G._chain.index(exact.elements.rows)), np.arange(G.order))


def test_large_families_past_int64_indices():
    # S_22 and B_18 have more than 2^63 elements: indices are exact Python integers
    rng = np.random.default_rng(1)
    for G, order in [(symmetric_group(22, max_order=10 ** 30), factorial(22)),
                     (hyperoctahedral_group(18, max_order=10 ** 30), 2 ** 18 * factorial(18)),
                     (symmetric_group(60, max_order=10 ** 100), factorial(60))]:
        assert G.order == order
        g = G.random_element(rng)
        i = G.index(g)
        assert isinstance(i, int) and 0 <= i < order and G.element(i) == g and g in G
        last = G.element(order - 1)
        assert G.index(last) == order - 1 and G.index(last @ g) == G.index(last @ g)
        assert G.index(G.identity) == 0
    # a transposition is odd: not in A_25 (negative control of membership past int64)
    A = alternating_group(25, max_order=10 ** 30)
    assert np.array([1, 0] + list(range(2, 25))) not in A
    assert np.array([1, 2, 0] + list(range(3, 25))) in A


@pytest.mark.parametrize("G", GROUPS[:4], ids=lambda G: G.name)
def test_check_group_on_library_groups(G):
    counts = check_group(G)
    assert counts["associativity"] > 0 and counts["closure"] > 0


def test_enumeration_methods_agree():
    G = hyperoctahedral_group(4)
    rows = enumerate_bfs(G._gen_rows, G._domain.m, 10 ** 6)
    assert rows.shape[0] == G.order
    assert np.array_equal(np.sort(G._chain.index(rows)), np.arange(G.order))
    assert np.unique(G.elements.rows, axis=0).shape[0] == G.order


# -- Cayley graph ---------------------------------------------------------------------------------
def test_cayley_graph_edges_per_generator():
    G = symmetric_group(4)
    C = G.cayley_graph()
    assert isinstance(C, nx.MultiDiGraph)
    assert C.number_of_nodes() == 24 and C.number_of_edges() == 48
    assert nx.is_strongly_connected(C)
    assert all(d == 2 for _, d in C.out_degree())
    for u, v, k in list(C.edges(keys=True))[:10]:
        assert G.elements[v] == G.elements[u] @ G.generators[k]


def test_cayley_graph_keeps_identity_and_repeated_generators():
    p = [1, 2, 0]
    G = FiniteGroup([p, p, [0, 1, 2]])
    assert G.order == 3
    C = G.cayley_graph()
    assert C.number_of_edges() == 9
    assert nx.number_of_selfloops(C) == 3                 # identity generator
    assert C.number_of_edges(0, G.index(G.generators[0])) == 2     # parallel edges


# -- degenerate cases -----------------------------------------------------------------------------
def test_degenerate_groups():
    T = FiniteGroup([], degree=3)
    assert T.order == 1 and T.elements[0] == T.identity and T.exponent == 1 and T.is_abelian
    assert len(T.conjugacy_classes()) == 1 and T.center().order == 1
    assert T.cayley_graph().number_of_edges() == 0
    assert symmetric_group(1).order == 1 and symmetric_group(2).order == 2 and alternating_group(2).order == 1
    assert FiniteGroup([[0, 1, 2]]).order == 1            # identity generator
    assert FiniteGroup([[1, 0], [1, 0], [1, 0]]).order == 2   # repeated generators
    for G in (T, symmetric_group(1), alternating_group(2)):
        check_group(G)
        assert G.subgroups().summary() == {"subgroups": 1, "subgroup_classes": 1, "normal_subgroups": 1}


def test_generators_from_transformations_and_elements():
    space = ParameterSpace([("a", (2,)), ("b", (2,))])
    swap = SignedPermutation.swap_blocks(space, [(space["a"].indices, space["b"].indices)])
    flip = SignedPermutation.negate(space, space["a"][0])
    G = FiniteGroup([swap, flip])
    assert G.space == space and G.order == 8
    H = FiniteGroup(list(G.generators)[:1])               # elements of G: a subgroup on G's domain
    assert H.order == 2 and H.is_subgroup_of(G)
    M = FiniteGroup([MatrixMap(rotation(5))])
    assert M.order == 5 and M.tol == 1e-9


def test_matrix_groups():
    D = FiniteGroup([rotation(5), np.diag([1.0, -1.0])])
    assert D.order == 10 and len(D.conjugacy_classes()) == 4
    assert FiniteGroup([[[0, -1], [1, -1]]]).order == 3  # integer matrix of order 3
    # the tolerance decides identity: a perturbation far below tol gives the same group
    R = rotation(8)
    assert FiniteGroup([R + 1e-13]).order == 8
    g = D.generators[0]
    assert np.allclose(g.matrix, rotation(5)) and g.order == 5
    with pytest.raises(InvalidValueError, match="matrix-group element"):
        _ = g.perm


def test_elements_of_groups_built_separately():
    G, H = symmetric_group(3), symmetric_group(3)
    assert G.generators[0] == H.generators[0]             # equal as maps, equal hashes
    assert hash(G.generators[0]) == hash(H.generators[0])
    assert G == H and hash(G) == hash(H)
    # carried over through the natural form: membership, index, subgroups
    assert H.generators[0] in G
    assert G.index(H.generators[0]) == G.index(G.generators[0])
    assert G.subgroup([H.generators[0]]) == G.subgroup([G.generators[0]])
    assert alternating_group(3).is_normal_in(H) and alternating_group(3).is_subgroup_of(G)
    assert G.generators[0] @ H.generators[1] == G.generators[0] @ G.generators[1]     # carried over
    c, s_ = np.cos(2 * np.pi / 3), np.sin(2 * np.pi / 3)         # a 3-fold rotation: in neither group's domain
    rot = FiniteGroup([np.array([[c, -s_, 0], [s_, c, 0], [0, 0, 1]])])
    with pytest.raises(GroupMismatchError, match="unrelated"):
        _ = G.generators[0] @ rot.generators[0]
    assert (G.generators[0] @ hyperoctahedral_group(3).generators[-1]).group.order == 48   # S3 ⊂ B3
    S4 = symmetric_group(4)                               # another degree: not a member, never equal
    assert S4.generators[0] not in G and [1, 0, 2, 3] not in G
    with pytest.raises(GroupMismatchError, match="another space"):
        G.index(S4.generators[0])
    with pytest.raises(GroupMismatchError):
        S4.is_subgroup_of(G)
    assert S4 != G
    # cosets and lattice positions of separately built subgroups (also across point layouts)
    B3 = hyperoctahedral_group(3)
    cosets = B3.cosets(symmetric_group(3))
    assert len(cosets) == 8 and all(len(c) == 6 for c in cosets)
    assert symmetric_group(4).subgroups().index_of(alternating_group(4)) == S4.subgroups().index_of(
        S4.subgroup(list(alternating_group(4).generators)))
    with pytest.raises(InvalidValueError, match="not a subgroup"):
        G.cosets(FiniteGroup([(np.arange(3), np.array([-1, 1, 1]))]))
    # a group that is not contained: False, not an error
    C2 = FiniteGroup([(np.arange(3), np.array([-1, 1, 1]))])
    assert not C2.is_subgroup_of(G) and C2 != G and not G.is_subgroup_of(C2)
    assert issubclass(GroupMismatchError, SpaceMismatchError)


# -- max_order and bad input ------------------------------------------------------------------------
def test_max_order_stops_large_groups_quickly():
    with pytest.raises(GroupTooLargeError, match="max_order"):
        symmetric_group(99)
    gens = [np.roll(np.arange(60), 1), np.r_[1, 0, 2:60]]
    with pytest.raises(GroupTooLargeError, match="max_order"):
        FiniteGroup(gens, max_order=10 ** 6)              # S_60 from generators: stops during Schreier–Sims
    with pytest.raises(GroupTooLargeError, match="max_order"):
        FiniteGroup([reflection(0.0), reflection(np.pi / 20)], max_order=30)   # D_20: elements of order ≤ 20


def reflection(t):
    return np.array([[np.cos(2 * t), np.sin(2 * t)], [np.sin(2 * t), -np.cos(2 * t)]])


@pytest.mark.parametrize("gens, culprit", [
    ([[[2.0]]], "generators[0]"),                                    # |λ| ≠ 1
    ([rotation(np.pi)], "generators[0]"),                            # rotation by 2 rad: irrational
    ([[[1.0, 1.0], [0.0, 1.0]]], "generators[0]"),                   # shear (Jordan block)
    ([reflection(0.0), reflection(1.0)], "generators[0] @ generators[1]"),   # infinite dihedral group
])
def test_infinite_matrix_groups_stop_at_once(gens, culprit):
    t = time.perf_counter()
    with pytest.raises(GroupTooLargeError, match="infinite order") as info:
        FiniteGroup(gens)                                            # default max_order 10^6
    assert culprit in str(info.value) and time.perf_counter() - t < 1.0


def test_finite_order_of_matrices():
    assert finite_order(rotation(12), 10 ** 6) == 12 and finite_order(reflection(0.3), 10) == 2
    assert finite_order(np.array([[0.0, -1.0], [1.0, -1.0]]), 100) == 3
    assert finite_order(rotation(12), 11) is None and finite_order(rotation(np.e), 10 ** 6) is None
    assert FiniteGroup([reflection(0.0), reflection(np.pi / 9)]).order == 18
    # a generator rounded to float32 keeps its order when tol admits the rounding
    R = rotation(5).astype(np.float32).astype(float)
    assert finite_order(R, 10 ** 6) is None and finite_order(R, 10 ** 6, 1e-6) == 5
    assert FiniteGroup([R], tol=1e-6).order == 5
    # negative control: an irrational rotation stays infinite at that tolerance
    assert finite_order(rotation(2 * np.pi / 1.0), 10 ** 6, 1e-6) is None


def test_more_max_order_checks():
    with pytest.raises(GroupTooLargeError, match="table"):
        symmetric_group(8).multiplication_table()
    assert symmetric_group(8).order > TABLE_LIMIT


@pytest.mark.parametrize("gens, exc, text", [
    ([[0, 1, 2], [1, 0]], ShapeError, "one degree"),
    ([[1, 0, 2], [0, 0, 1]], InvalidValueError, "generators[1]: expected a permutation"),
    ([[0.5, 1.0]], InvalidValueError, "generators[0]: expected integer"),
    ([([1, 0], [1, 2])], InvalidValueError, "generators[0][1]: expected signs"),
    ([([1, 0], [1])], ShapeError, "generators[0][1]"),
    ([[[1.0, 2.0], [2.0, 4.0]]], InvalidValueError, "generators[0]: expected an invertible matrix"),
    ([[[1.0, np.nan], [0.0, 1.0]]], NonFiniteError, "generators[0]"),
    ([np.zeros((2, 2, 2))], ShapeError, "generators[0]"),
    ([[]], ShapeError, "generators[0]"),
    ([], InvalidValueError, "degree"),
    ([MatrixMap(np.eye(2), offset=[1.0, 0.0])], InvalidValueError, "affine"),
])
def test_bad_generators(gens, exc, text):
    with pytest.raises(exc) as info:
        FiniteGroup(gens)
    assert text in str(info.value)


def test_bad_arguments():
    G = symmetric_group(3)
    with pytest.raises(InvalidValueError, match="max_order"):
        FiniteGroup([[1, 0]], max_order=0)
    with pytest.raises(InvalidValueError, match="n: expected a positive integer"):
        symmetric_group(0)
    with pytest.raises(InvalidValueError, match="not an element"):
        alternating_group(4).subgroup([[1, 0, 2, 3]])
    with pytest.raises(InvalidValueError, match="g: not an element"):
        alternating_group(3).index([1, 0, 2])
    with pytest.raises(ShapeError, match="degree 3"):
        G.index([1, 0])
    assert [1, 0] not in G and [1, 0, 2] in G and [0, 0, 1] not in G
    with pytest.raises(InvalidValueError, match="side"):
        G.cosets(G, side="middle")
    with pytest.raises(InvalidValueError, match="i: expected an index"):
        G.element(6)
    with pytest.raises(InvalidValueError, match="rng"):
        G.random_element(3)
    with pytest.raises(InvalidValueError, match="exponent"):
        _ = G.generators[0] ** 1.5
    with pytest.raises(ShapeError, match="x: expected shape"):
        _ = G.generators[0] @ np.ones(4)
    with pytest.raises(SpaceMismatchError):
        FiniteGroup([SignedPermutation([1, 0], space=ParameterSpace([("u", (2,))])),
                     SignedPermutation([1, 0], space=ParameterSpace([("v", (2,))]))])
    with pytest.raises(InvalidValueError, match="groups"):
        direct_product()
    with pytest.raises(InvalidValueError, match=r"groups\[1\]"):
        direct_product(G, "S3")
    A3, T = G.subgroup([G.generators[1]]), G.subgroup([G.generators[0]])
    with pytest.raises(InvalidValueError, match="not a subgroup"):
        A3.cosets(T)
    with pytest.raises(InvalidValueError, match="g: not an element"):
        alternating_group(3).right_multiplication([1, 0, 2])
    with pytest.raises(InvalidValueError, match="g: not an element"):
        alternating_group(3).left_multiplication([1, 0, 2])
    with pytest.raises(InvalidValueError, match="outside its domain"):
        G.index(([1, 0, 2], [1, 1, -1]))                  # a sign change: not in a permutation group
    assert ([1, 0, 2], [1, 1, -1]) not in G
    R = FiniteGroup([rotation(4)])
    with pytest.raises(InvalidValueError, match="outside its domain"):
        R.index(rotation(8))
    assert rotation(8) not in R and rotation(4) @ rotation(4) in R
    with pytest.raises(GroupTooLargeError):
        direct_product(symmetric_group(7), symmetric_group(7))


# -- the conformance check and its negative controls -----------------------------------------------
class _Mod:
    """Z_n element; ``mode`` breaks one law on purpose (negative controls of check_group)."""

    def __init__(self, k, n, mode=""):
        self.k, self.n, self.mode = k % n, n, mode

    def __matmul__(self, o):
        if self.mode == "mutate":
            o.uses = getattr(o, "uses", 0) + 1             # a product that changes its argument
        k = self.k + o.k
        if self.mode == "nonassoc" and (self.k, o.k) == (1, 1):
            k = 3                                          # keeps identity and inverses, breaks associativity
        return _Mod(k, self.n, self.mode)

    def inverse(self):
        return _Mod(self.k if self.mode == "badinv" else -self.k, self.n, self.mode)

    def __eq__(self, o):
        return isinstance(o, _Mod) and (self.k, self.n) == (o.k, o.n)

    def __hash__(self):
        return hash((self.k, self.n, id(self) if self.mode == "badhash" else 0))

    def __repr__(self):
        return f"{self.k} mod {self.n}"


class _Cyclic:
    def __init__(self, n, mode=""):
        self.order = n
        self.elements = [_Mod(k, n, mode) for k in range(n)]

    identity = property(lambda self: self.elements[0])
    generators = property(lambda self: self.elements[1:2])

    def __contains__(self, g):
        return g in self.elements


def test_check_group_accepts_a_user_group():
    assert check_group(_Cyclic(6))["associativity"] == 216
    with pytest.raises(InvalidValueError, match="samples"):
        check_group(_Cyclic(6), samples=0)
    with pytest.raises(InvalidValueError, match="rng"):
        check_group(_Cyclic(6), rng=1)


@pytest.mark.parametrize("mode, law", [("nonassoc", "associativity"), ("badinv", "inverses"),
                                       ("badhash", "hash"), ("mutate", "not mutated")])
def test_check_group_negative_controls(mode, law):
    with pytest.raises(AssertionError, match=law):
        check_group(_Cyclic(5, mode))


def test_element_orders_by_cycles_match_powering_and_refuse_non_members():
    from eqalg.transforms.finite import _row_orders
    rng = np.random.default_rng(3)
    rows = np.array([rng.permutation(9) for _ in range(50)])
    brute = []
    for r in rows:
        cur, k = r.copy(), 1
        while not np.array_equal(cur, np.arange(9)):
            cur, k = r[cur], k + 1
        brute.append(k)
    assert _row_orders(rows).tolist() == brute
    assert cyclic_group(3000).exponent == 3000          # powering would take minutes
    A4 = alternating_group(4)
    with pytest.raises(InvalidValueError, match="not an element of A4"):
        A4.element_order([1, 0, 2, 3])                    # odd: not in A4
    assert A4.element_order([1, 2, 0, 3]) == 3            # control


def test_operations_that_list_a_huge_group_refuse_at_once():
    S = symmetric_group(20, max_order=10 ** 30)
    for op in (S.center, S.conjugacy_classes, S.element_orders, S.cayley_graph, S.inverses):
        t0 = time.perf_counter()
        with pytest.raises(GroupTooLargeError, match="LIST_LIMIT"):
            op()
        assert time.perf_counter() - t0 < 1.0
    assert S.element_order(S.element(12345)) >= 1         # control: single elements still work
    # past the float range the message is still formed (it raised OverflowError for S200)
    with pytest.raises(GroupTooLargeError, match=r"about 10\^374\.897 elements"):
        symmetric_group(200, max_order=10 ** 400).center()


def test_huge_families_and_long_transversals_are_refused_by_size(monkeypatch):
    import eqalg.transforms.stabchain as stabchain
    for f, n, text in [(symmetric_group, 100000, r"about 10\^456573"), (hyperoctahedral_group, 200, r"about 10\^"),
                       (symmetric_group, 10 ** 22, r"more than 10\^\(10\^15\)"), (alternating_group, 10, "1814400")]:
        with pytest.raises(GroupTooLargeError, match=text):
            f(n)
    monkeypatch.setattr(stabchain, "CHAIN_LIMIT", 50 * 50)
    with pytest.raises(GroupTooLargeError, match="CHAIN_LIMIT"):
        cyclic_group(60)
    assert cyclic_group(40).order == 40                   # control: under the limit


def test_subgroup_lattices_are_bounded(monkeypatch):
    import eqalg.transforms.subgroups as subgroups
    monkeypatch.setattr(subgroups, "SUBGROUP_LIMIT", 20)
    with pytest.raises(GroupTooLargeError, match="more than SUBGROUP_LIMIT = 20 subgroups"):
        symmetric_group(4).subgroups()                    # S4 has 30
    assert len(dihedral_group(4).subgroups()) == 10       # control: D4 has 10


def test_indices_are_integers_in_range():
    S = symmetric_group(4)
    for bad, text in [([1.5], "integer element indices"), ([-1], r"in \[0, 24\), got -1"),
                      ([0, 99], r"in \[0, 24\), got 99")]:
        with pytest.raises(InvalidValueError, match=text):
            S.subgroup_from_indices(bad)
    with pytest.raises(InvalidValueError, match="i: expected an integer index"):
        S.element("3")
    assert S.subgroup_from_indices([1, 2]).order == 6 and S.element(np.int64(3)) in S     # control


def test_stabilizer_rtol_must_be_positive():
    data = eqalg.load_iris()
    m = eqalg.TwoLayerMLP(data.X, data.Y, 3, "tanh", "cross_entropy")
    rho, th = m.discrete_symmetry_group(), m.init_params(np.random.default_rng(0))
    for r in (-1.0, float("nan")):
        with pytest.raises(InvalidValueError, match="rtol: expected a (positive|non-negative)"):
            rho.stabilizer(th, rtol=r)
    assert rho.stabilizer(th).order == 1                  # control: a generic point


def test_extending_a_level_equals_rebuilding_it():
    """Schreier–Sims extends a level's orbit in place when a strong generator is added."""
    from eqalg.transforms.stabchain import _Level
    rng = np.random.default_rng(4)
    m = 12
    dtype = np.int16
    for _ in range(20):
        gens = [rng.permutation(m).astype(dtype) for _ in range(rng.integers(1, 3))]
        y = rng.permutation(m).astype(dtype)
        point = int(rng.integers(m))
        grown = _Level(point, list(gens))
        grown.build(m, dtype)
        grown.extend(y, m, dtype)
        fresh = _Level(point, list(gens) + [y])
        fresh.build(m, dtype)
        orbit = np.flatnonzero(fresh.tindex >= 0)
        assert np.array_equal(np.flatnonzero(grown.tindex >= 0), orbit) and grown.size == orbit.size
        for p in orbit:                                  # u_p maps the base point to p; Uinv inverts it
            u = grown.U[grown.tindex[p]]
            assert u[point] == p
            assert np.array_equal(grown.Uinv[grown.tindex[p]][u], np.arange(m))
        assert np.array_equal(grown.Uinv_flat, grown.Uinv.astype(np.intp).ravel())
    # an orbit that does not grow leaves the level unchanged (but records the generator)
    lv = _Level(0, [np.roll(np.arange(m), 1).astype(dtype)])
    lv.build(m, dtype)
    U = lv.U.copy()
    lv.extend(np.roll(np.arange(m), 2).astype(dtype), m, dtype)
    assert np.array_equal(lv.U, U) and len(lv.gens) == 2


def _rot2(a):
    return np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])


def test_matrix_and_signed_groups_built_separately():
    """Matrix groups whose elements are signed permutations up to round-off (cos(π/2) ≈ 6e-17) are
    the same maps as signed-permutation groups: equality both ways, subgroups, membership, products."""
    B2, F = hyperoctahedral_group(2), np.diag([1.0, -1.0])
    M = FiniteGroup([_rot2(np.pi / 2), F])
    assert B2 == M and M == B2 and M.is_subgroup_of(B2) and len({M, B2}) == 1
    assert M.generators[0] in B2 and B2.subgroup([M.generators[0]]).order == 4
    assert B2.index(M.generators[0]) == B2.index((np.array([1, 0]), np.array([-1, 1])))
    Rz = np.array([[0.0, -1, 0], [1, 0, 0], [0, 0, 1]]) + 1e-17
    Rx = np.array([[1.0, 0, 0], [0, 0, -1], [0, 1, 0]]) - 1e-17
    cube = FiniteGroup([Rz, Rx])
    assert cube.order == 24 and cube.is_subgroup_of(hyperoctahedral_group(3))
    assert not cube.is_normal_in(hyperoctahedral_group(3)) is None     # decided, not an error
    # negative control: rotations by π/3 are not signed permutations
    C6 = FiniteGroup([_rot2(np.pi / 3)])
    assert not C6.is_subgroup_of(B2) and C6 != B2 and _rot2(np.pi / 3) not in B2


def test_products_of_elements_of_separately_built_groups_are_labelled_by_a_group_containing_them():
    A4, S4 = alternating_group(4), symmetric_group(4)
    p = A4.generators[0] @ S4.generators[0]                 # odd: not in A4
    assert p in p.group and p.group == S4 and p.order == 2
    S3, B3 = symmetric_group(3), hyperoctahedral_group(3)
    for a, b in ((S3.generators[0], B3.generators[-1]), (B3.generators[-1], S3.generators[0])):
        q = a @ b
        assert q.group == B3 and q in B3
    with pytest.raises(GroupMismatchError, match="neither group contains"):
        _ = S3.generators[0] @ S4.generators[0]


def test_elements_with_the_same_matrix_are_equal_across_group_kinds():
    B2 = hyperoctahedral_group(2)
    R4 = FiniteGroup([_rot2(np.pi / 2)])                   # matrices with round-off (cos(π/2) ≈ 6e-17)
    a = R4.generators[0]
    e = B2.elements[B2.index(a)]
    assert a == e and hash(a) == hash(e) and R4.identity == B2.identity
    assert set(R4.elements) <= set(B2.elements)
    S3 = symmetric_group(3)
    M = FiniteGroup([g.matrix for g in S3.generators], tol=1e-6)
    assert S3 == M and {g for g in S3.elements} == {g for g in M.elements}
    # negative control: a rotation by π/3 is not a signed permutation and equals none of B2
    r = FiniteGroup([_rot2(np.pi / 3)]).generators[0]
    assert all(r != g for g in B2.elements)
