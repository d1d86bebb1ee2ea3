"""Subgroup lattices: counts against OEIS, Lagrange, conjugacy classes, lattice export."""

import networkx as nx
import numpy as np
import pytest

from eqalg import (alternating_group, cyclic_group, dihedral_group, direct_product, hyperoctahedral_group,
                   symmetric_group)
from eqalg.errors import GroupTooLargeError, InvalidValueError
from eqalg.transforms.finite import GroupMismatchError
from eqalg.transforms.subgroups import to_dot

# Subgroups of S_n, n = 1..6 (OEIS A005432) and up to conjugacy (OEIS A000638).
SN_SUBGROUPS = [1, 2, 6, 30, 156, 1455]
SN_CLASSES = [1, 2, 4, 11, 19, 56]
# Subgroups of (Z_2)^k, k = 1..5 (OEIS A006116, Galois numbers for q = 2).
Z2K_SUBGROUPS = [2, 5, 16, 67, 374]
# Cyclic subgroups of S_n, n = 1..5 (OEIS A051625).
SN_CYCLIC = [1, 2, 5, 17, 67]


def elementary_abelian(k):
    return direct_product(*[cyclic_group(2)] * k, name=f"Z2^{k}")


def is_closed(T, mask):
    """A nonempty subset is a subgroup iff it is closed under products (finite group)."""
    idx = np.flatnonzero(mask)
    return idx.size > 0 and bool(mask[T[np.ix_(idx, idx)]].all())


@pytest.mark.parametrize("n", range(1, 7))
def test_symmetric_group_subgroup_counts(n):
    L = symmetric_group(n).subgroups()
    assert len(L) == SN_SUBGROUPS[n - 1]
    assert len(L.classes) == SN_CLASSES[n - 1]
    assert sum(c.size for c in L.classes) == len(L)


@pytest.mark.slow
def test_symmetric_group_7():
    # 11300 subgroups in 96 classes (OEIS A005432, A000638)
    G = symmetric_group(7)
    assert G.subgroups().summary() == {"subgroups": 11300, "subgroup_classes": 96, "normal_subgroups": 3}


@pytest.mark.parametrize("k", range(1, 6))
def test_elementary_abelian_subgroups(k):
    L = elementary_abelian(k).subgroups()
    assert len(L) == Z2K_SUBGROUPS[k - 1] == len(L.classes)       # abelian: classes are single subgroups
    assert len(L.normal()) == len(L)


def divisors(n):
    return [d for d in range(1, n + 1) if n % d == 0]


@pytest.mark.parametrize("n", range(1, 16))
def test_dihedral_subgroups_tau_plus_sigma(n):
    # D_n of order 2n has τ(n) + σ(n) subgroups
    assert len(dihedral_group(n).subgroups()) == len(divisors(n)) + sum(divisors(n))


def test_normal_subgroups_of_s4_and_small_groups():
    S4 = symmetric_group(4)
    assert [H.order for H in S4.normal_subgroups()] == [1, 4, 12, 24]   # 1, V4, A4, S4
    assert all(H.is_normal_in(S4) for H in S4.normal_subgroups())
    assert alternating_group(4).subgroups().summary() == {"subgroups": 10, "subgroup_classes": 5, "normal_subgroups": 3}
    # A5 is simple: 59 subgroups in 9 classes (OEIS A005432 context; Atlas of finite groups)
    assert alternating_group(5).subgroups().summary() == {"subgroups": 59, "subgroup_classes": 9, "normal_subgroups": 2}


def test_perfect_subgroups_are_found():
    # S6 has two classes of A5 (transitive and intransitive): both perfect, unreachable by
    # solvable cyclic extension; and one class of A6.
    L = symmetric_group(6).subgroups()
    assert [c.order for c in L.classes].count(60) == 2
    assert [c.order for c in L.classes].count(360) == 1


@pytest.mark.parametrize("G", [symmetric_group(5), hyperoctahedral_group(3), dihedral_group(12), elementary_abelian(4),
                               direct_product(symmetric_group(3), cyclic_group(3))], ids=lambda G: G.name)
def test_lagrange_closure_and_classes(G):
    L = G.subgroups()
    T = G.multiplication_table()
    masks = L.masks()
    assert np.unique(masks, axis=0).shape[0] == len(L)                # all distinct
    for i, mask in enumerate(masks):
        assert G.order % int(mask.sum()) == 0                         # Lagrange
        assert int(mask.sum()) == L.orders[i]
        assert is_closed(T, mask)
    for c in L.classes:
        assert c.size * c.normalizer_order == G.order
        assert np.all(L.orders[c.members] == c.order) and np.all(L.class_of[c.members] == c.index)
    # negative control: the union of two distinct subgroups of order 2 is not a subgroup
    twos = np.flatnonzero(L.orders == 2)
    if twos.size >= 2:
        assert not is_closed(T, masks[twos[0]] | masks[twos[1]])


def naive_subgroups(G):
    """All subgroups by closing every known subgroup with every element (sets, no theory)."""
    T = G.multiplication_table().tolist()

    def close(gens):
        elems, front = {0}, [0]
        while front:
            front = [T[a][g] for a in front for g in gens if T[a][g] not in elems and not elems.add(T[a][g])]
        return frozenset(elems)

    found, todo = {frozenset([0])}, [frozenset([0])]
    while todo:
        H = todo.pop()
        for g in range(G.order):
            if g not in H:
                J = close(sorted(H) + [g])
                if J not in found:
                    found.add(J)
                    todo.append(J)
    return found


@pytest.mark.parametrize("G", [symmetric_group(4), hyperoctahedral_group(3), dihedral_group(8),
                               direct_product(cyclic_group(4), cyclic_group(2), cyclic_group(2))], ids=lambda G: G.name)
def test_naive_enumeration_agrees(G):
    L = G.subgroups()
    naive = naive_subgroups(G)
    assert {frozenset(np.flatnonzero(m).tolist()) for m in L.masks()} == naive


def test_lagrange_on_all_subgroups_of_s6():
    G = symmetric_group(6)
    L = G.subgroups()
    assert all(G.order % int(o) == 0 for o in L.orders)
    assert all(G.order % H.order == 0 for H in (L[i] for i in range(0, len(L), 97)))


def test_subgroup_objects_agree_with_bitsets():
    G = hyperoctahedral_group(3)
    L = G.subgroups()
    for i in range(len(L)):
        H = L[i]
        assert H.order == L.orders[i] and H.is_subgroup_of(G) and H.parent is G
        assert L.index_of(H) == i
        members = {G.index(h) for h in H.elements}
        assert members == set(np.flatnonzero(L.mask(i)).tolist())
    # members of one class are conjugate
    c = next(c for c in L.classes if c.size > 2)
    A, B = L[c.members[0]], L[c.members[-1]]
    conj = [g for g in G.elements if all(g.inverse() @ a @ g in B for a in A.generators)]
    assert conj and all(B.order == A.order for _ in conj)


def test_cyclic_subgroups():
    for n in range(1, 6):
        cyc = symmetric_group(n).cyclic_subgroups()
        assert len(cyc) == SN_CYCLIC[n - 1]
        assert all(len(H.generators) == 1 for H in cyc)
    assert [H.order for H in cyclic_group(12).cyclic_subgroups()] == [1, 2, 3, 4, 6, 12]


def test_hasse_diagram_of_s4():
    G = symmetric_group(4)
    L = G.subgroups()
    H = L.lattice()
    assert isinstance(H, nx.DiGraph) and H.number_of_nodes() == 30 and nx.is_directed_acyclic_graph(H)
    top, bottom = len(L) - 1, 0
    assert L.orders[top] == 24 and L.orders[bottom] == 1
    assert H.in_degree(top) == 8            # maximal subgroups of S4: A4, three D4, four S3
    assert H.out_degree(bottom) == 13       # minimal subgroups: nine of order 2, four of order 3
    for h, k in H.edges():
        assert L.orders[k] % L.orders[h] == 0 and L.orders[k] > L.orders[h]
    C = L.class_lattice()
    assert C.number_of_nodes() == 11 and nx.is_directed_acyclic_graph(C)


def test_lattice_export(tmp_path):
    L = symmetric_group(3).subgroups()
    L.write_graphml(tmp_path / "s3.graphml")
    back = nx.read_graphml(tmp_path / "s3.graphml")
    assert back.number_of_nodes() == 6 and back.number_of_edges() == L.lattice().number_of_edges()
    L.write_dot(tmp_path / "s3.dot", classes=True)
    text = (tmp_path / "s3.dot").read_text()
    assert text.startswith("digraph") and text.count("->") == L.class_lattice().number_of_edges()
    assert '"a\\"b"' in to_dot(nx.DiGraph([("a\"b", "c")]))


def test_lattice_errors():
    with pytest.raises(GroupTooLargeError):
        hyperoctahedral_group(7).subgroups()
    L = symmetric_group(3).subgroups()
    assert L.index_of(symmetric_group(3)) == len(L) - 1   # built separately: the whole group
    with pytest.raises(GroupMismatchError):
        L.index_of(symmetric_group(4))                     # another space
    S4 = symmetric_group(4)
    C4 = S4.subgroup([S4.generators[1]])
    with pytest.raises(InvalidValueError, match="not a subgroup"):
        C4.subgroups().index_of(S4)                        # same domain, not a subgroup
    with pytest.raises(IndexError):
        L[6]
    with pytest.raises(InvalidValueError, match="not the membership mask"):
        L.index_of_mask(L.mask(1) | L.mask(2))             # union of two subgroups of order 2
    with pytest.raises(InvalidValueError, match="mask: expected shape"):
        L.index_of_mask(np.ones(5, dtype=bool))
    assert L.index_of_mask(L.mask(3)) == 3
