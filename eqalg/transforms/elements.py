"""Group elements and generators: how user input becomes rows of a point domain.

A generator is a permutation (gather array), a ``(perm, signs)`` pair, a square matrix, a
:class:`~eqalg.transforms.discrete.SignedPermutation`, a linear
:class:`~eqalg.transforms.discrete.MatrixMap` or an element of another group; it is validated
(naming the argument) and turned into a row of point images of a
:class:`~eqalg.transforms.domain.Domain`. A :class:`GroupElement` is such a row plus the group it
came from; ``g @ h`` applies h first (the matrix product), and the generic verbs ``compose``,
``inverse``, ``act`` and ``power`` dispatch to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import InvalidValueError, NonFiniteError, ShapeError, SpaceMismatchError, check_positive, real_array
from ..space import ParameterSpace
from .base import act, compose, inverse, power
from .discrete import MatrixMap, SignedPermutation
from .domain import matrix_domain, signed_domain, signed_form
from .stabchain import compose_rows, invert_rows, readonly

if TYPE_CHECKING:   # pragma: no cover - annotations only
    from .finite import FiniteGroup

__all__ = ["GroupElement", "ElementList", "GroupMismatchError", "parse_generators", "row_in"]


class GroupMismatchError(SpaceMismatchError):
    """Elements or subgroups of different groups (different point domains) were combined."""


# -- generators ------------------------------------------------------------------------------------
def _as_perm(p, name):
    p = _no_complex(np.asarray(p), name)
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
    s = _no_complex(np.asarray(s), name)
    if s.shape != (n,):
        raise ShapeError(f"{name}: expected {n} signs, got shape {s.shape}")
    if not np.all((s == 1) | (s == -1)):
        raise InvalidValueError(f"{name}: expected signs +1 or -1, got {s.tolist()[:12]}")
    return s.astype(np.int8)


def _no_complex(a, name):
    if np.iscomplexobj(a):
        raise ShapeError(f"{name}: expected real entries, got complex ones (the imaginary part would be dropped)")
    return a


def _as_matrix(a, name):
    a = np.array(real_array(a, name))
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


def parse_generators(generators, degree, tol, max_order):
    """(domain, rows) for a list of generators (see the module docstring); raises naming ``generators[k]``."""
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
    dom = matrix_domain(mats, space, tol, d * max_order, max_order)
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


def row_in(dom, g, name="g", group_name="the group") -> np.ndarray:
    """The row of ``g`` (an element of a group on ``dom`` or a convertible value) in domain ``dom``.

    No membership check: a value mapping a point outside the domain raises, others return a row.

    Raises
    ------
    GroupMismatchError
        ``g`` is an element of a group on another domain.
    ShapeError, InvalidValueError
        ``g`` has the wrong degree or kind, or is not a valid generator.
    """
    if isinstance(g, GroupElement):
        other = g._group._domain
        if other is dom:
            return g._row
        if other.d != dom.d or other.space != dom.space:
            raise GroupMismatchError(f"{name}: an element of {g._group.name} (degree {other.d}), which acts on another "
                                     f"space than {group_name} (degree {dom.d})")
        # an element of a group built separately is carried over through its natural form (below)
    kind, d, data, _ = _parse(g, name)
    if d != dom.d:
        raise ShapeError(f"{name}: expected degree {dom.d}, got {d}")
    if dom.kind == "signed":
        if kind != "signed":       # a matrix that is a signed permutation (within the matrix group's tol)
            tol = g._group._domain.tol if isinstance(g, GroupElement) and g._group._domain.tol else 1e-9
            perms, signs = signed_form(data[None], tol)
            if perms is None:
                raise InvalidValueError(f"{name}: expected a signed permutation for {group_name}")
            return dom.rows_from_signed(perms, signs, name)[0]
        return dom.rows_from_signed(data[0][None], data[1][None], name)[0]
    return dom.rows_from_matrices(_to_matrix((kind, d, data, None))[None], name)[0]


# -- elements --------------------------------------------------------------------------------------
class GroupElement:
    """An element of a :class:`FiniteGroup`: a small immutable value that knows its group.

    Obtain elements from a group (``G.generators``, ``G.elements[i]``, ``G.identity``), never by
    constructing them. ``g @ h`` is the product (h applied first), ``g @ x`` the natural action
    on a vector x ∈ R^d, ``g ** k`` a power, ``g.inverse()`` the inverse.

    Equality and ``hash`` use one canonical form across groups and kinds: the exact (perm, signs)
    arrays of a signed permutation (also of a matrix element that is one within ``group.tol``),
    else the matrix rounded to ``group.tol`` (equal only between groups of equal tolerance).
    An element of a separately built group is carried over to this one's point domain through
    its natural form; elements of unrelated groups (one maps outside the other's domain) cannot
    be multiplied (:class:`GroupMismatchError`); subgroups share their parent's domain.
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
        return GroupElement(self._group, readonly(invert_rows(self._row)))

    def as_transformation(self, space: ParameterSpace | None = None):
        """The element as a :class:`SignedPermutation` or :class:`MatrixMap` on its natural space."""
        dom = self._group._domain
        space = dom.space if space is None else space
        if dom.kind == "signed":
            p, s = dom.signed(self._row)
            return SignedPermutation(p, s, space)
        return MatrixMap(self.matrix, None, space)

    def _natural_act(self, x):
        x = real_array(x, "x")
        d = self.degree
        if x.shape[:1] != (d,):
            raise ShapeError(f"x: expected shape ({d},) or ({d}, k), got {x.shape}")
        if self._group._domain.kind == "signed":
            p, s = self._signed()
            return s * x[p] if x.ndim == 1 else s[:, None] * x[p]
        return self.matrix @ x

    def _pair(self, other):
        """(group of the product, row of self, row of other) on one point domain.

        Elements of one domain compose there; an element of a separately built group is carried
        over (natural form) into the other factor's domain when that domain's whole group
        contains it, which then labels the product.
        """
        dom, odom = self._group._domain, other._group._domain
        if dom is odom:
            return (self._group if self._group is other._group else dom.root), self._row, other._row
        for target, a, b in ((dom, self, other), (odom, other, self)):
            try:        # carry b into a's domain
                row = row_in(target, b, "other", a._group.name)
            except (GroupMismatchError, InvalidValueError, ShapeError):
                continue
            if bool(target.root._chain.contains(row[None])[0]):
                rows = (self._row, row) if a is self else (row, other._row)
                return target.root, rows[0], rows[1]
        raise GroupMismatchError(f"elements of unrelated groups ({self._group.name} of degree {dom.d}, "
                                 f"{other._group.name} of degree {odom.d}): neither group contains the other's "
                                 "element; build a common group with FiniteGroup([...]) first")

    def __matmul__(self, other):
        if isinstance(other, GroupElement):
            grp, a, b = self._pair(other)
            return GroupElement(grp, readonly(compose_rows(a, b)))
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
        return GroupElement(self._group, readonly(result))

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
