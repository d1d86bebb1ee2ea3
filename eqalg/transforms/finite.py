"""Finite groups from generators: elements, :class:`FiniteGroup`, Cayley graphs, conjugacy classes.

Convention (one for the whole library). Group elements are linear maps of R^d — signed
permutations in gather form ``(g x)[i] = s[i] x[p[i]]`` (as
:class:`~eqalg.transforms.discrete.SignedPermutation`) or invertible matrices — and
``g @ h`` is the matrix product: **h is applied first**. Every representation ρ is a
homomorphism for this product, ρ(g @ h) = ρ(g) ρ(h) (MATH.md §A, "Discrete transformation").

Internally a group is a permutation group on the point set of its
:class:`~eqalg.transforms.domain.Domain` (n points for permutations, 2n for the hyperoctahedral
group B_n) and is described by a stabilizer chain (:mod:`~eqalg.transforms.stabchain`): the
order is known without listing the group, elements have a dense exact index (0 = identity), and
listing all of them is a product of transversals computed on whole arrays. Nothing is stored per
element except its row of point images (n or 2n small integers).

Examples
--------
>>> G = FiniteGroup([[1, 0, 2], [1, 2, 0]], name="S3")
>>> G.order, G.is_abelian, len(G.conjugacy_classes())
(6, False, 3)
>>> s, c = G.generators
>>> (s @ c).perm, (s @ c) @ [10.0, 20.0, 30.0]          # c is applied first
(array([2, 1, 0]), array([30., 20., 10.]))
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ..errors import (GroupTooLargeError, InvalidValueError, NonFiniteError, ShapeError, SpaceMismatchError,
                      check_positive)
from ..space import ParameterSpace
from .base import act, compose, inverse, power
from .discrete import MatrixMap, SignedPermutation
from .domain import Domain, matrix_domain, signed_domain
from .stabchain import compose_rows, invert_rows, schreier_sims

__all__ = ["FiniteGroup", "GroupElement", "ElementList", "ConjugacyClass", "GroupMismatchError",
           "DEFAULT_MAX_ORDER", "DEFAULT_TOL", "TABLE_LIMIT"]

#: Default bound on the order of a group built from generators.
DEFAULT_MAX_ORDER = 10 ** 6
#: Default tolerance identifying matrix entries (cell width of the rounded key, see domain.py).
DEFAULT_TOL = 1e-9
#: Largest order for which a full multiplication table (order² entries) is built.
TABLE_LIMIT = 8000


class GroupMismatchError(SpaceMismatchError):
    """Elements or subgroups of different groups (different point domains) were combined."""


# -- generators ------------------------------------------------------------------------------------
def _as_perm(p, name):
    p = np.asarray(p)
    if p.ndim != 1:
        raise ShapeError(f"{name}: expected a 1-D permutation array, got shape {p.shape}")
    if p.size and not np.issubdtype(p.dtype, np.integer):
        if not (np.issubdtype(p.dtype, np.number) and np.all(np.isfinite(p)) and np.all(p == np.round(p))):
            raise InvalidValueError(f"{name}: expected integer entries, got {p.tolist()[:12]}")
    p = p.astype(np.intp)
    if not np.array_equal(np.sort(p), np.arange(p.size)):
        raise InvalidValueError(f"{name}: expected a permutation of range({p.size}), got {p.tolist()[:12]}"
                                f"{'...' if p.size > 12 else ''}")
    return p


def _as_signs(s, n, name):
    s = np.asarray(s)
    if s.shape != (n,):
        raise ShapeError(f"{name}: expected {n} signs, got shape {s.shape}")
    if not np.all((s == 1) | (s == -1)):
        raise InvalidValueError(f"{name}: expected signs +1 or -1, got {s.tolist()[:12]}")
    return s.astype(np.int8)


def _as_matrix(a, name):
    try:
        a = np.array(a, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ShapeError(f"{name}: expected a numeric array") from exc
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ShapeError(f"{name}: expected a square matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise NonFiniteError(f"{name}: expected finite entries")
    cond = np.linalg.cond(a) if a.size else 1.0
    if not np.isfinite(cond) or cond > 1.0 / np.finfo(float).eps:
        raise InvalidValueError(f"{name}: expected an invertible matrix, condition number {cond:.3g}")
    return a


def _parse(gen, name):
    """(kind, d, data, space) of one generator; data = (perm, signs) or a matrix."""
    if isinstance(gen, GroupElement):
        dom = gen.group._domain
        if dom.kind == "signed":
            p, s = dom.signed(gen._row)
            return "signed", dom.d, (p, s), dom.space
        return "matrix", dom.d, dom.matrices(gen._row), dom.space
    if isinstance(gen, SignedPermutation):
        return "signed", gen.space.size, (gen.perm, gen.signs), gen.space
    if isinstance(gen, MatrixMap):
        if gen.offset is not None:
            raise InvalidValueError(f"{name}: affine maps (nonzero offset) are not linear group elements")
        return "matrix", gen.space.size, _as_matrix(gen.to_dense(), name), gen.space
    if isinstance(gen, tuple) and len(gen) == 2:
        p = _as_perm(gen[0], f"{name}[0]")
        return "signed", p.size, (p, _as_signs(gen[1], p.size, f"{name}[1]")), None
    try:
        arr = np.asarray(gen)
    except (TypeError, ValueError) as exc:
        raise ShapeError(f"{name}: expected a permutation, a (perm, signs) pair or a square matrix") from exc
    if arr.size == 0:
        raise ShapeError(f"{name}: expected at least one point, got an empty array")
    if arr.ndim == 1:
        p = _as_perm(arr, name)
        return "signed", p.size, (p, np.ones(p.size, np.int8)), None
    if arr.ndim == 2:
        m = _as_matrix(arr, name)
        return "matrix", m.shape[0], m, None
    raise ShapeError(f"{name}: expected a permutation (1-D), a (perm, signs) pair, a square matrix, a "
                     f"SignedPermutation, MatrixMap or group element; got an array of shape {arr.shape}")


def _domain_and_rows(generators, degree, tol, max_order):
    parsed = [_parse(g, f"generators[{k}]") for k, g in enumerate(generators)]
    if not parsed:
        if degree is None:
            raise InvalidValueError("generators: empty; pass degree=n for the trivial group on n points")
        d = int(check_positive(degree, "degree", integer=True))
        dom = signed_domain(np.arange(d)[None], np.ones((1, d), np.int8), ParameterSpace.flat(d))
        return dom, np.zeros((0, d), dtype=dom.dtype)
    degrees = sorted({p[1] for p in parsed})
    if len(degrees) > 1 or (degree is not None and degrees[0] != degree):
        raise ShapeError(f"generators: expected generators of one degree{'' if degree is None else f' {degree}'}, "
                         f"got degrees {degrees}")
    d = degrees[0]
    spaces = {p[3] for p in parsed if p[3] is not None}
    if len(spaces) > 1:
        raise SpaceMismatchError("generators: defined over different parameter spaces")
    space = spaces.pop() if spaces else ParameterSpace.flat(d)
    if all(p[0] == "signed" for p in parsed):
        perms = np.array([p[2][0] for p in parsed]).reshape(-1, d)
        signs = np.array([p[2][1] for p in parsed]).reshape(-1, d)
        dom = signed_domain(perms, signs, space)
        return dom, dom.rows_from_signed(perms, signs)
    mats = np.array([_to_matrix(p) for p in parsed]).reshape(-1, d, d)
    dom = matrix_domain(mats, space, tol, d * max_order)
    rows = dom.rows_from_matrices(mats)
    for k, r in enumerate(rows):
        if not np.array_equal(np.sort(r), np.arange(dom.m)):
            raise InvalidValueError(f"generators[{k}]: does not permute the orbit of the basis vectors at "
                                    f"tolerance {tol}; the matrices do not generate a finite group at this tolerance")
    return dom, rows


def _to_matrix(parsed):
    kind, d, data, _ = parsed
    if kind == "matrix":
        return data
    m = np.zeros((d, d))
    m[np.arange(d), data[0]] = data[1]
    return m


# -- elements --------------------------------------------------------------------------------------
class GroupElement:
    """An element of a :class:`FiniteGroup`: a small immutable value that knows its group.

    Obtain elements from a group (``G.generators``, ``G.elements[i]``, ``G.identity``), never by
    constructing them. ``g @ h`` is the product (h applied first), ``g @ x`` the natural action
    on a vector x ∈ R^d, ``g ** k`` a power, ``g.inverse()`` the inverse.

    Equality and ``hash`` use one canonical form: the exact (perm, signs) arrays of a signed
    permutation, or the rounded matrix key (tolerance ``group.tol``) of a matrix element.
    Elements of different groups built on different point domains cannot be multiplied
    (:class:`GroupMismatchError`); subgroups share their parent's domain.
    """

    __slots__ = ("_group", "_row", "_key")

    def __init__(self, group: "FiniteGroup", row: np.ndarray):
        self._group = group
        self._row = row
        self._key = None

    @property
    def group(self) -> "FiniteGroup":
        """The group this element was obtained from."""
        return self._group

    @property
    def degree(self) -> int:
        """d, the dimension of the natural representation."""
        return self._group._domain.d

    @property
    def perm(self) -> np.ndarray:
        """Gather array p (signed-permutation groups): ``(g x)[i] = s[i] x[p[i]]``."""
        return self._signed()[0]

    @property
    def signs(self) -> np.ndarray:
        """Sign array s (signed-permutation groups), int8 ±1."""
        return self._signed()[1]

    def _signed(self):
        dom = self._group._domain
        if dom.kind != "signed":
            raise InvalidValueError("perm/signs: a matrix-group element has no permutation form; use .matrix")
        return dom.signed(self._row)

    @property
    def matrix(self) -> np.ndarray:
        """The natural d×d matrix."""
        return self._group._domain.matrices(self._row)

    @property
    def order(self) -> int:
        """The element order (smallest k ≥ 1 with g^k = identity)."""
        return self._group.element_order(self)

    @property
    def is_identity(self) -> bool:
        """True for the identity element."""
        return bool(np.array_equal(self._row, np.arange(self._row.shape[0])))

    @property
    def index(self) -> int:
        """Position of the element in ``group.elements``."""
        return self._group.index(self)

    def inverse(self) -> "GroupElement":
        """The inverse element."""
        return GroupElement(self._group, _frozen(invert_rows(self._row)))

    def as_transformation(self, space: ParameterSpace | None = None):
        """The element as a :class:`SignedPermutation` or :class:`MatrixMap` on its natural space."""
        dom = self._group._domain
        space = dom.space if space is None else space
        if dom.kind == "signed":
            p, s = dom.signed(self._row)
            return SignedPermutation(p, s, space)
        return MatrixMap(self.matrix, None, space)

    def _natural_act(self, x):
        x = np.asarray(x, dtype=np.float64)
        d = self.degree
        if x.shape[:1] != (d,):
            raise ShapeError(f"x: expected shape ({d},) or ({d}, k), got {x.shape}")
        if self._group._domain.kind == "signed":
            p, s = self._signed()
            return s * x[p] if x.ndim == 1 else s[:, None] * x[p]
        return self.matrix @ x

    def _other(self, other):
        if self._group._domain is not other._group._domain:
            raise GroupMismatchError("elements of different groups (different point domains); build a common "
                                     "group with FiniteGroup([...]) first")
        return self._group if self._group is other._group else self._group._domain.root

    def __matmul__(self, other):
        if isinstance(other, GroupElement):
            grp = self._other(other)
            return GroupElement(grp, _frozen(compose_rows(self._row, other._row)))
        if isinstance(other, (np.ndarray, list, tuple)):
            return self._natural_act(other)
        return NotImplemented

    def __pow__(self, k):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
            raise InvalidValueError(f"exponent: expected an integer, got {k!r}")
        row = self._row if k >= 0 else invert_rows(self._row)
        result = np.arange(row.shape[0], dtype=row.dtype)
        n, acc = abs(int(k)), row
        while n:   # binary exponentiation
            if n & 1:
                result = compose_rows(result, acc)
            acc = compose_rows(acc, acc)
            n >>= 1
        return GroupElement(self._group, _frozen(result))

    def canonical_key(self) -> tuple:
        """The canonical form deciding equality and hash (see the class docstring)."""
        if self._key is None:
            self._key = self._group._domain.key(self._row)
        return self._key

    def __eq__(self, other):
        if not isinstance(other, GroupElement):
            return NotImplemented
        if self._group._domain is other._group._domain:
            return bool(np.array_equal(self._row, other._row))
        return self.canonical_key() == other.canonical_key()

    def __hash__(self):
        return hash(self.canonical_key())

    def __repr__(self):
        return f"GroupElement({self._group.label(self)}, group={self._group.name!r})"


def _frozen(a):
    a = np.ascontiguousarray(a)
    a.setflags(write=False)
    return a


class ElementList:
    """The elements of a group in index order (a read-only sequence; elements are made on access).

    Attributes
    ----------
    rows : ndarray (order, m)
        Internal point-image rows (see :mod:`~eqalg.transforms.domain`).
    """

    def __init__(self, group: "FiniteGroup"):
        self._group = group
        self.rows = group._rows

    def __len__(self):
        return self.rows.shape[0]

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return GroupElement(self._group, self.rows[i])

    def __iter__(self):
        for r in self.rows:
            yield GroupElement(self._group, r)

    def __contains__(self, g):
        return g in self._group

    def index(self, g) -> int:
        """Position of ``g``."""
        return self._group.index(g)

    @property
    def perms(self) -> np.ndarray:
        """Gather arrays of all elements, (order, d) (signed-permutation groups)."""
        return self._group._domain.signed(self.rows)[0]

    @property
    def signs(self) -> np.ndarray:
        """Sign arrays of all elements, (order, d) (signed-permutation groups)."""
        return self._group._domain.signed(self.rows)[1]

    @property
    def matrices(self) -> np.ndarray:
        """Natural matrices of all elements, (order, d, d) (small groups only)."""
        return self._group._domain.matrices(self.rows)


@dataclass(frozen=True)
class ConjugacyClass:
    """A conjugacy class {x g x⁻¹ : x ∈ G}.

    Attributes
    ----------
    representative : GroupElement
        Its element of smallest index.
    size : int
    element_order : int
    indices : ndarray of int
        Indices of its elements in ``G.elements``.
    """

    representative: GroupElement
    size: int
    element_order: int
    indices: np.ndarray


# -- groups ----------------------------------------------------------------------------------------
class FiniteGroup:
    """The finite group generated by signed permutations or invertible matrices.

    Parameters
    ----------
    generators : sequence
        Each one of: an integer permutation array p (gather form, ``(g x)[i] = x[p[i]]``), a
        ``(perm, signs)`` tuple, a square matrix, a :class:`SignedPermutation`, a
        :class:`MatrixMap` (linear) or an element of another group. Identity and repeated
        generators are allowed (they survive as self-loops and parallel edges of the Cayley graph).
    max_order : int
        Largest order accepted (default 10**6); larger groups raise at construction, before any
        element is listed.
    degree : int, optional
        Required only for the trivial group given by an empty generator list.
    name : str, optional
    tol : float
        Matrix generators only: cell width of the rounded key identifying vectors (domain.py).

    Raises
    ------
    ShapeError
        Generators of different degrees, or of an unsupported shape.
    InvalidValueError
        An array that is not a permutation, signs other than ±1, a non-invertible matrix, an
        empty generator list without ``degree``, a non-positive ``max_order``.
    SpaceMismatchError
        Generators on different parameter spaces.
    GroupTooLargeError
        The group has more than ``max_order`` elements (or is infinite).

    Notes
    -----
    Algorithm-deciding properties (``is_abelian``, ``is_signed_permutation_group``,
    ``is_permutation_group``) and derived data (elements, orders, classes, subgroup lattice)
    are computed once and cached. Elements: :class:`GroupElement`; convention ``g @ h`` = h first.
    """

    def __init__(self, generators=(), max_order: int = DEFAULT_MAX_ORDER, *, degree: int | None = None,
                 name: str | None = None, tol: float = DEFAULT_TOL):
        check_positive(max_order, "max_order", integer=True)
        check_positive(tol, "tol")
        gens = list(generators)
        if gens and all(isinstance(g, GroupElement) for g in gens) and \
                len({id(g._group._domain) for g in gens}) == 1:
            dom = gens[0]._group._domain
            rows = np.array([g._row for g in gens], dtype=dom.dtype)
        else:
            dom, rows = _domain_and_rows(gens, degree, tol, max_order)
        self._setup(dom, rows, max_order, name)

    def _setup(self, dom: Domain, rows, max_order, name, parent=None):
        self._domain = dom
        self._gen_rows = _frozen(np.asarray(rows, dtype=dom.dtype).reshape(-1, dom.m))
        self._chain = schreier_sims(self._gen_rows, dom.m, max_order)
        self._max_order = max_order
        self._name = name
        self._parent = parent
        if dom.root is None:
            dom.root = self

    @classmethod
    def _make(cls, dom, rows, max_order, name=None, parent=None):
        G = cls.__new__(cls)
        G._setup(dom, rows, max_order, name, parent)
        return G

    # -- basic data -----------------------------------------------------------------------------
    @property
    def order(self) -> int:
        """|G| (from the stabilizer chain; no element is listed)."""
        return self._chain.order

    def __len__(self):
        return self.order

    @property
    def name(self) -> str:
        """The group's name (``"S4"``; generic ``"G<order>"`` when none was given)."""
        return self._name or f"G{self.order}"

    @property
    def degree(self) -> int:
        """d: the group acts on R^d (n for permutations and signed permutations of n points)."""
        return self._domain.d

    @property
    def space(self) -> ParameterSpace:
        """The space of the natural representation."""
        return self._domain.space

    @property
    def tol(self):
        """Matrix groups: the rounding tolerance of their keys; None for signed permutations."""
        return self._domain.tol

    @property
    def max_order(self) -> int:
        """The bound this group was built with."""
        return self._max_order

    @property
    def parent(self):
        """The group this one was taken as a subgroup of (None for groups built from generators)."""
        return self._parent

    @property
    def generators(self) -> tuple:
        """The generators as given (identity and repeats included)."""
        return tuple(GroupElement(self, r) for r in self._gen_rows)

    @property
    def identity(self) -> GroupElement:
        """The identity element (index 0)."""
        return GroupElement(self, _frozen(np.arange(self._domain.m, dtype=self._domain.dtype)))

    @property
    def is_signed_permutation_group(self) -> bool:
        """True when the elements are signed permutations (exact hashing; (D4) holds for every optimizer)."""
        return self._domain.kind == "signed"

    @property
    def is_permutation_group(self) -> bool:
        """True when every element is a plain permutation (no sign changes)."""
        dom = self._domain
        return dom.kind == "signed" and not np.any(dom.point_sign[self._gen_rows[:, :dom.d]] < 0)

    @cached_property
    def is_abelian(self) -> bool:
        """True when all generators commute (computed once)."""
        g = self._gen_rows
        return all(np.array_equal(compose_rows(a, b), compose_rows(b, a)) for i, a in enumerate(g) for b in g[:i])

    @cached_property
    def _rows(self) -> np.ndarray:
        if self.order > self._max_order:   # pragma: no cover - prevented at construction
            raise GroupTooLargeError(f"max_order: {self.order} > {self._max_order}")
        return _frozen(self._chain.elements())

    @cached_property
    def elements(self) -> ElementList:
        """All elements in index order (computed once, as transversal products)."""
        return ElementList(self)

    def element(self, i: int) -> GroupElement:
        """Element number ``i`` without listing the group."""
        if not 0 <= int(i) < self.order:
            raise InvalidValueError(f"i: expected an index in [0, {self.order}), got {i}")
        return GroupElement(self, _frozen(self._chain.rows([int(i)])[0]))

    def random_element(self, rng: np.random.Generator) -> GroupElement:
        """A uniformly random element."""
        if not isinstance(rng, np.random.Generator):
            raise InvalidValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
        return self.element(int(rng.integers(self.order)))

    def _row_of(self, g, name="g") -> np.ndarray:
        """The row of ``g`` in this group's domain (no membership check)."""
        if isinstance(g, GroupElement):
            if g._group._domain is self._domain:
                return g._row
            raise GroupMismatchError(f"{name}: an element of a different group ({g._group.name}) "
                                     f"than {self.name}")
        kind, d, data, _ = _parse(g, name)
        if d != self.degree:
            raise ShapeError(f"{name}: expected degree {self.degree}, got {d}")
        if self._domain.kind == "signed":
            if kind != "signed":
                raise InvalidValueError(f"{name}: expected a signed permutation for {self.name}")
            return self._domain.rows_from_signed(data[0][None], data[1][None], name)[0]
        return self._domain.rows_from_matrices(_to_matrix((kind, d, data, None))[None], name)[0]

    def index(self, g) -> int:
        """Index of ``g`` in :attr:`elements`.

        Raises
        ------
        InvalidValueError
            ``g`` is not an element of this group.
        """
        i = int(self._chain.index(self._row_of(g))[0])
        if i < 0:
            raise InvalidValueError(f"g: not an element of {self.name}")
        return i

    def __contains__(self, g) -> bool:
        try:
            return bool(self._chain.contains(self._row_of(g))[0])
        except (InvalidValueError, ShapeError, GroupMismatchError):
            return False

    def __iter__(self):
        return iter(self.elements)

    def label(self, g) -> str:
        """A short text label: signed images ``[1, -0, 2]`` (s[i]·p[i]) or ``g<index>`` for matrices."""
        row = self._row_of(g)
        if self._domain.kind != "signed":
            idx = int(self._domain.root._chain.index(row)[0]) if self._domain.root else -1
            return f"g{idx}"
        p, s = self._domain.signed(row)
        return "[" + ", ".join(("-" if si < 0 else "") + str(pi) for pi, si in zip(p.tolist(), s.tolist())) + "]"

    def __eq__(self, other):
        if not isinstance(other, FiniteGroup):
            return NotImplemented
        if self is other:
            return True
        return (self._domain is other._domain and self.order == other.order
                and bool(self._chain.contains(other._gen_rows).all()))

    def __hash__(self):
        return hash((id(self._domain), self.order))

    def __repr__(self):
        return f"FiniteGroup({self.name!r}, order={self.order}, degree={self.degree})"

    # -- whole-group arrays -----------------------------------------------------------------------
    def _index_rows(self, rows) -> np.ndarray:
        """Indices of rows known to be elements (products of elements): sift base images only."""
        return self._chain.index(rows, check=False)

    @cached_property
    def _unique_gens(self) -> np.ndarray:
        g = self._gen_rows[np.any(self._gen_rows != np.arange(self._domain.m), axis=1)]
        return np.unique(g, axis=0) if g.shape[0] else g

    @cached_property
    def _base(self):
        return np.array(self._chain.base, dtype=np.intp)

    def _right_perm(self, g_row) -> np.ndarray:
        # (e_i * g)[b] = g[e_i[b]]: only the base images are formed
        return self._chain.index_base(g_row[self._rows[:, self._base]])

    def _left_perm(self, g_row) -> np.ndarray:
        return self._chain.index_base(self._rows[:, g_row[self._base].astype(np.intp)])

    def right_multiplication(self, g) -> np.ndarray:
        """The permutation i ↦ index(e_i @ g) of element indices, shape (order,)."""
        return self._right_perm(self._row_of(g))

    def left_multiplication(self, g) -> np.ndarray:
        """The permutation i ↦ index(g @ e_i) of element indices, shape (order,)."""
        return self._left_perm(self._row_of(g))

    def inverses(self) -> np.ndarray:
        """Indices of the inverses of all elements, shape (order,)."""
        return self._inverses.copy()

    @cached_property
    def _inverses(self):
        return _frozen(self._index_rows(invert_rows(self._rows)))

    def multiplication_table(self) -> np.ndarray:
        """``T[i, j] = index(e_i @ e_j)``, shape (order, order) (read-only, cached).

        Built row by row along a spanning tree of the left Cayley graph (e_i = s @ e_k gives
        row i = L_s[row k]): one gather per element.

        Raises
        ------
        GroupTooLargeError
            order > :data:`TABLE_LIMIT`.
        """
        return self._table

    @cached_property
    def _table(self):
        n = self.order
        if n > TABLE_LIMIT:
            raise GroupTooLargeError(f"multiplication table: order {n} exceeds the table limit {TABLE_LIMIT}")
        dtype = np.int16 if n <= np.iinfo(np.int16).max else np.int32
        table = np.empty((n, n), dtype=dtype)
        table[0] = np.arange(n)
        lefts = [self._left_perm(s) for s in self._unique_gens]
        seen = np.zeros(n, dtype=bool)
        seen[0] = True
        front = np.array([0])
        while front.size:
            nxt_front = []
            for L in lefts:
                nxt = L[front]
                new = ~seen[nxt]
                nxt, first = np.unique(nxt[new], return_index=True)
                if nxt.size:
                    seen[nxt] = True
                    table[nxt] = L[table[front[new][first]]]
                    nxt_front.append(nxt)
            front = np.concatenate(nxt_front) if nxt_front else np.zeros(0, np.intp)
        return _frozen(table)

    # -- element orders and classes ---------------------------------------------------------------
    def element_orders(self) -> np.ndarray:
        """Orders of all elements, shape (order,): lcm of the cycle lengths of each point."""
        return self._orders.copy()

    @cached_property
    def _orders(self):
        # the order is a class function: compute it for one element per conjugacy class
        _, labels = self._class_labels
        reps = np.unique(labels, return_index=True)[1]
        return _frozen(_row_orders(self._rows[reps])[labels])

    def element_order(self, g) -> int:
        """Order of one element."""
        return int(_row_orders(self._row_of(g)[None, :])[0])

    @cached_property
    def exponent(self) -> int:
        """lcm of the element orders."""
        return int(np.lcm.reduce(np.unique(self._orders).astype(np.int64)))

    @cached_property
    def _class_labels(self):
        n = self.order
        gens = self._unique_gens
        if not gens.shape[0]:
            return n, np.arange(n)
        cols, rows = [], []
        for s in gens:   # x ↦ s⁻¹ @ x @ s on element indices; (s⁻¹ x s)[b] = s[x[s⁻¹[b]]]
            sinv = invert_rows(s).astype(np.intp)
            cols.append(self._chain.index_base(s[self._rows[:, sinv[self._base]]]))
            rows.append(np.arange(n))
        graph = sp.csr_array((np.ones(n * len(cols), dtype=np.int8), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(n, n))
        return connected_components(graph, directed=True, connection="weak")

    def conjugacy_classes(self) -> list:
        """The conjugacy classes, sorted by element order, then size, then representative index.

        Computed as the orbits of conjugation by the generators on element indices (connected
        components), so the cost is a few passes over the element array.
        """
        ncls, labels = self._class_labels
        order = np.argsort(labels, kind="stable")
        bounds = np.flatnonzero(np.diff(labels[order])) + 1
        out = []
        for idx in np.split(order, bounds):
            out.append(ConjugacyClass(GroupElement(self, self._rows[idx[0]]), int(idx.size),
                                      int(self._orders[idx[0]]), _frozen(idx)))
        out.sort(key=lambda c: (c.element_order, c.size, int(c.indices[0])))
        return out

    def center(self) -> "FiniteGroup":
        """Z(G): the elements whose conjugacy class is a single element."""
        _, labels = self._class_labels
        counts = np.bincount(labels)
        return self.subgroup_from_indices(np.flatnonzero(counts[labels] == 1), name=f"Z({self.name})")

    # -- subgroups ----------------------------------------------------------------------------------
    def subgroup(self, generators, *, name: str | None = None) -> "FiniteGroup":
        """The subgroup generated by ``generators`` (elements of this group or convertible values).

        Raises
        ------
        InvalidValueError
            A generator is not an element of this group.
        GroupMismatchError
            A generator is an element of an unrelated group.
        """
        gens = list(generators)
        rows = np.array([self._row_of(g, f"generators[{k}]") for k, g in enumerate(gens)],
                        dtype=self._domain.dtype).reshape(-1, self._domain.m)
        bad = np.flatnonzero(~self._chain.contains(rows))
        if bad.size:
            raise InvalidValueError(f"generators[{bad[0]}]: not an element of {self.name}")
        return FiniteGroup._make(self._domain, rows, self._max_order, name, parent=self)

    def subgroup_from_indices(self, indices, *, name: str | None = None) -> "FiniteGroup":
        """The subgroup generated by the elements with the given indices (a few generators are chosen
        greedily: each new one is the first listed element not yet generated)."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        rows = self._rows[idx]
        chosen = [np.arange(self._domain.m, dtype=self._domain.dtype)]
        chain = schreier_sims(np.array(chosen), self._domain.m)
        while True:
            missing = np.flatnonzero(~chain.contains(rows))
            if not missing.size:
                break
            chosen.append(rows[missing[0]])
            chain = schreier_sims(np.array(chosen), self._domain.m)
        gens = np.array(chosen[1:] or chosen[:1])
        return FiniteGroup._make(self._domain, gens, self._max_order, name, parent=self)

    def is_subgroup_of(self, other: "FiniteGroup") -> bool:
        """True when every element of this group lies in ``other`` (same domain required)."""
        self._same_domain(other)
        return bool(other._chain.contains(self._gen_rows).all())

    def is_normal_in(self, other: "FiniteGroup") -> bool:
        """True when this group is a normal subgroup of ``other``: s⁻¹ h s ∈ H for generators s, h."""
        if not self.is_subgroup_of(other):
            return False
        for s in other._unique_gens:
            conj = compose_rows(compose_rows(invert_rows(s), self._gen_rows), s)
            if not self._chain.contains(conj).all():
                return False
        return True

    def _same_domain(self, other):
        if not isinstance(other, FiniteGroup):
            raise InvalidValueError(f"expected a FiniteGroup, got {type(other).__name__}")
        if other._domain is not self._domain:
            raise GroupMismatchError(f"{self.name} and {other.name} are not subgroups of one group")

    def cosets(self, H: "FiniteGroup", side: str = "left") -> list:
        """Cosets of a subgroup H as arrays of element indices (sorted by smallest index).

        ``side="left"``: g @ H (orbits of right multiplication by H's generators);
        ``side="right"``: H @ g.

        Raises
        ------
        InvalidValueError
            H is not a subgroup of this group, or ``side`` is not "left"/"right".
        """
        if side not in ("left", "right"):
            raise InvalidValueError(f"side: expected 'left' or 'right', got {side!r}")
        if not H.is_subgroup_of(self):
            raise InvalidValueError(f"H: {H.name} is not a subgroup of {self.name}")
        n = self.order
        mult = self.right_multiplication if side == "left" else self.left_multiplication
        targets = [mult(GroupElement(self, h)) for h in H._unique_gens] or [np.arange(n)]
        graph = sp.csr_array((np.ones(n * len(targets), dtype=np.int8),
                              (np.tile(np.arange(n), len(targets)), np.concatenate(targets))), shape=(n, n))
        _, labels = connected_components(graph, directed=True, connection="weak")
        order = np.argsort(labels, kind="stable")
        parts = np.split(order, np.flatnonzero(np.diff(labels[order])) + 1)
        return sorted(parts, key=lambda a: int(a[0]))

    def cyclic_subgroups(self) -> list:
        """The distinct cyclic subgroups ⟨g⟩, sorted by order (one per set of generators of ⟨g⟩)."""
        from .subgroups import cyclic_subgroup_generators
        return [self.subgroup([self.elements[int(i)]], name=f"<{self.label(self.elements[int(i)])}>")
                for i in cyclic_subgroup_generators(self)]

    def subgroups(self):
        """All subgroups as a :class:`~eqalg.transforms.subgroups.SubgroupLattice` (computed once)."""
        from .subgroups import SubgroupLattice
        if "_lattice" not in self.__dict__:
            self.__dict__["_lattice"] = SubgroupLattice(self)
        return self.__dict__["_lattice"]

    def subgroup_classes(self) -> list:
        """Subgroups up to conjugacy: a list of :class:`~eqalg.transforms.subgroups.SubgroupClass`."""
        return self.subgroups().classes

    def normal_subgroups(self) -> list:
        """The normal subgroups (classes of size one), as FiniteGroups sorted by order."""
        L = self.subgroups()
        return [L[c.members[0]] for c in L.classes if c.is_normal]

    # -- graphs -------------------------------------------------------------------------------------
    def cayley_graph(self) -> nx.MultiDiGraph:
        """The Cayley graph: nodes are element indices, one edge i → index(e_i @ s) per (element,
        generator) with key and attribute ``generator`` = the generator's position; identity and
        repeated generators give self-loops and parallel edges. Built on request."""
        n = self.order
        graph = nx.MultiDiGraph(name=f"Cayley graph of {self.name}")
        graph.add_nodes_from((i, {"label": self.label(GroupElement(self, r))}) for i, r in enumerate(self._rows))
        src = np.arange(n).tolist()
        for k, g in enumerate(self._gen_rows):
            dst = self._right_perm(g).tolist()
            graph.add_edges_from(zip(src, dst, [k] * n, [{"generator": k}] * n))
        return graph


def _row_orders(rows: np.ndarray) -> np.ndarray:
    """Element orders of a batch of rows: lcm over points of the cycle length through each point."""
    R = rows.astype(np.intp)
    m = R.shape[1]
    ident = np.arange(m)
    length = np.zeros(R.shape, dtype=np.int64)
    cur, k = R, 1
    while True:
        length[(cur == ident) & (length == 0)] = k
        if np.all(length):
            break
        cur = np.take_along_axis(R, cur, axis=1)       # i^(g^(k+1)) = (i^(g^k))^g
        k += 1
    return np.lcm.reduce(length, axis=1) if m else np.ones(R.shape[0], np.int64)


# -- generic verbs ----------------------------------------------------------------------------------
@compose.register(GroupElement, GroupElement)
def _compose_elements(g, h):
    return g @ h


@inverse.register(GroupElement)
def _inverse_element(g):
    return g.inverse()


@act.register(GroupElement, np.ndarray)
def _act_element(g, x):
    return g._natural_act(x)


@power.register(GroupElement)
def _power_element(g, k):
    return g ** k
