"""Linear (and affine) generators J(θ) = Aθ + c of one-parameter groups T_s = exp(sA).

A :class:`LinearGenerator` stores A in the cheapest faithful form — a diagonal vector, a
``scipy.sparse`` matrix or a dense array — and never densifies a sparse or diagonal generator
to act on θ. The flow T_s θ is exact: elementwise exponentials for diagonal A,
``scipy.sparse.linalg.expm_multiply`` otherwise (homogeneous coordinates when c ≠ 0).

Examples
--------
>>> from eqalg.space import ParameterSpace
>>> space = ParameterSpace([("u", (2,)), ("w", (2,))])
>>> A = LinearGenerator.from_selections(space, plus=[space["u"][0]], minus=[space["w"][0]])
>>> A.form
'diagonal'
>>> A.generator([1.0, 2.0, 3.0, 4.0])
array([ 1.,  0., -3.,  0.])
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from ..errors import InvalidValueError, NonFiniteError, ShapeError, SpaceMismatchError, as_vector, real_array
from ..space import ParameterSpace
from .base import ContinuousTransformation

__all__ = ["LinearGenerator"]

#: Largest |s|·‖A‖₁ for which :meth:`LinearGenerator.curve` runs ``expm_multiply`` (its cost grows
#: linearly with this norm); beyond it a clear error is raised instead of a very long computation.
EXPM_MULTIPLY_NORM_LIMIT = 1e6

# |a| beyond which exp(a) over- or underflows float64 (exp(709.78) is the largest finite value).
_EXP_SAFE = 700.0


def _exp_times(a, v):
    """e^a · v elementwise without spurious overflow: e^a alone may overflow while e^a v does not."""
    a, v = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(v, dtype=float))
    out = np.exp(np.where(np.abs(a) <= _EXP_SAFE, a, 0.0)) * v
    big = np.abs(a) > _EXP_SAFE
    if np.any(big):
        vb = v[big]
        nz = vb != 0
        res = np.zeros_like(vb)
        res[nz] = np.sign(vb[nz]) * np.exp(a[big][nz] + np.log(np.abs(vb[nz])))
        out[big] = res
    return out


def _as_scalar(c):
    """A finite real scalar as float; None when ``c`` is not a real number (operator → NotImplemented)."""
    if isinstance(c, bool) or not isinstance(c, (int, float, np.integer, np.floating)):
        return None
    c = float(c)
    if not np.isfinite(c):
        raise NonFiniteError(f"scalar: expected a finite number, got {c}")
    return c


def _diagonal_flow(s, d, theta, offset):
    """exp(s diag(d)) θ + ∫₀ˢ exp(u diag(d)) c du, elementwise and overflow-safe.

    With a = s d: e^a θ + (e^a − 1) c / d for d ≠ 0, and θ + s c for d = 0. For a > 700 it is
    computed as e^a (θ + c/d) − c/d, which stays finite whenever the exact value does.
    """
    a = s * d
    if offset is None:
        return _exp_times(a, theta)
    nz = d != 0
    ratio = np.where(nz, offset / np.where(nz, d, 1.0), 0.0)
    high = a > _EXP_SAFE
    out = np.where(nz, _exp_times(a, theta) + np.expm1(np.minimum(a, _EXP_SAFE)) * ratio, theta + s * offset)
    if np.any(high):
        out[high] = _exp_times(a[high], theta[high] + ratio[high]) - ratio[high]
    return out


class LinearGenerator(ContinuousTransformation):
    """A linear or affine generator J(θ) = Aθ + c with A dense, sparse or diagonal.

    Parameters
    ----------
    matrix : ndarray (D, D) or scipy.sparse matrix (D, D)
        The generator matrix A. Use :meth:`diagonal` for a diagonal A given as a vector.
    space : ParameterSpace, optional
        The space it acts on; a flat ``ParameterSpace.flat(D)`` when omitted.
    offset : array_like (D,), optional
        Translation part c (affine generator); zero when omitted.
    name : str, optional
        Name used in reports.

    Raises
    ------
    ShapeError
        ``matrix`` is not square, or does not match ``space.size``, or ``offset`` has the wrong
        length.
    NonFiniteError
        NaN or inf entries.

    Notes
    -----
    DJ = A, so (I2) reads H A θ + Aᵀ g = σ'(L) g and, for a symmetry, (L2) H A θ = −Aᵀ g
    (MATH.md B2). Ordinary addition and scalar multiplication (``A + B``, ``c * A``) preserve
    the storage form when both operands share it.
    """

    __slots__ = ("_space", "_form", "_diag", "_mat", "_offset", "_name")

    def __init__(self, matrix, space: ParameterSpace | None = None, *, offset=None, name: str | None = None,
                 _diag=None):
        if _diag is not None:
            diag = as_vector(_diag, "diagonal")
            d = diag.shape[0]
            form, mat = "diagonal", None
        elif sp.issparse(matrix):
            if np.iscomplexobj(matrix.data if hasattr(matrix, "data") else matrix):
                raise ShapeError("matrix: expected real entries, got complex ones")
            mat = sp.csr_array(matrix, dtype=np.float64)
            if mat.ndim != 2 or mat.shape[0] != mat.shape[1]:
                raise ShapeError(f"matrix: expected a square (D, D) matrix, got shape {mat.shape}")
            if not np.all(np.isfinite(mat.data)):
                raise NonFiniteError("matrix: expected finite entries, got NaN/inf")
            d, form, diag = mat.shape[0], "sparse", None
        else:
            if np.iscomplexobj(matrix):
                raise ShapeError("matrix: expected real entries, got complex ones")
            try:
                mat = np.array(matrix, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise ShapeError(f"matrix: expected a numeric (D, D) array, got {type(matrix).__name__}") from exc
            if mat.ndim != 2 or mat.shape[0] != mat.shape[1]:
                raise ShapeError(f"matrix: expected a square (D, D) matrix, got shape {mat.shape}")
            if not np.all(np.isfinite(mat)):
                raise NonFiniteError("matrix: expected finite entries, got NaN/inf")
            mat.setflags(write=False)
            d, form, diag = mat.shape[0], "dense", None
        if space is None:
            space = ParameterSpace.flat(d)
        if not isinstance(space, ParameterSpace):
            raise ShapeError(f"space: expected a ParameterSpace, got {type(space).__name__}")
        if space.size != d:
            raise ShapeError(f"matrix: expected shape ({space.size}, {space.size}) for the given space, "
                             f"got ({d}, {d})")
        if diag is not None:
            diag = diag.copy()
            diag.setflags(write=False)
        off = None
        if offset is not None:
            off = as_vector(offset, "offset", d).copy()
            off.setflags(write=False)
            if not np.any(off):
                off = None
        self._space, self._form, self._diag, self._mat, self._offset, self._name = space, form, diag, mat, off, name

    # -- constructors -------------------------------------------------------------------------
    @classmethod
    def diagonal(cls, diag, space: ParameterSpace | None = None, *, offset=None, name=None) -> "LinearGenerator":
        """A diagonal generator A = diag(``diag``), stored as a vector (D,)."""
        diag = as_vector(diag, "diagonal")
        if space is not None and space.size != diag.shape[0]:
            raise ShapeError(f"diagonal: expected length {space.size}, got {diag.shape[0]}")
        return cls(None, space, offset=offset, name=name, _diag=diag)

    @classmethod
    def from_selections(cls, space: ParameterSpace, plus=(), minus=(), *, name=None) -> "LinearGenerator":
        """Diagonal generator with +1 on the flat indices in ``plus`` and −1 on those in ``minus``.

        ``plus`` and ``minus`` are sequences of selections (``space[block][key]``, a whole block
        ``space[block]``, flat integer indices or boolean masks); this is how per-neuron rescalings
        A_j are written (MATH.md §C, #1).

        Raises
        ------
        ShapeError
            Invalid selections (see :meth:`ParameterSpace.indices`), or an index selected twice.
        """
        d = np.zeros(space.size)
        seen = np.zeros(space.size, dtype=bool)
        for label, sign, sels in (("plus", 1.0, plus), ("minus", -1.0, minus)):
            for k, sel in enumerate(sels):
                idx = space.indices(sel, f"{label}[{k}]")
                if np.any(seen[idx]):
                    raise ShapeError(f"{label}[{k}]: index {int(idx[seen[idx]][0])} is selected more than once "
                                     "(the selections of plus and minus must be disjoint)")
                seen[idx] = True
                d[idx] = sign
        return cls.diagonal(d, space, name=name)

    @classmethod
    def translation(cls, c, space: ParameterSpace | None = None, *, name=None) -> "LinearGenerator":
        """The constant generator J(θ) = c (A = 0): a translation, e.g. softmax shifts (MATH.md L7)."""
        c = as_vector(c, "c", None if space is None else space.size)
        return cls(None, space, offset=c, name=name, _diag=np.zeros(c.shape[0]))

    # -- properties ---------------------------------------------------------------------------
    @property
    def space(self) -> ParameterSpace:
        return self._space

    @property
    def form(self) -> str:
        """Storage form: ``"diagonal"``, ``"sparse"`` or ``"dense"``."""
        return self._form

    @property
    def offset(self):
        """The translation part c as a read-only (D,) array, or None when c = 0."""
        return self._offset

    @property
    def is_affine(self) -> bool:
        """True when the generator has a non-zero translation part."""
        return self._offset is not None

    @property
    def matrix(self):
        """A as stored: a (D,) diagonal vector, a sparse CSR array, or a dense (D, D) array."""
        return self._diag if self._form == "diagonal" else self._mat

    @property
    def exact_curve(self) -> bool:
        return True

    def to_dense(self) -> np.ndarray:
        """A as a dense (D, D) array (small D only)."""
        if self._form == "diagonal":
            return np.diag(self._diag)
        if self._form == "sparse":
            return self._mat.toarray()
        return np.array(self._mat)

    def to_sparse(self):
        """A as a ``scipy.sparse.csr_array``."""
        if self._form == "diagonal":
            return sp.csr_array(sp.diags_array(self._diag))
        if self._form == "sparse":
            return self._mat
        return sp.csr_array(self._mat)

    # -- linear algebra ---------------------------------------------------------------------------
    def apply(self, v) -> np.ndarray:
        """A v for v of shape (D,) or (D, k) (no translation part)."""
        v = real_array(v, "v")
        if self._form == "diagonal":
            return self._diag * v if v.ndim == 1 else self._diag[:, None] * v
        return self._mat @ v

    def apply_transpose(self, v) -> np.ndarray:
        """Aᵀ v for v of shape (D,) or (D, k)."""
        v = real_array(v, "v")
        if self._form == "diagonal":
            return self._diag * v if v.ndim == 1 else self._diag[:, None] * v
        return self._mat.T @ v

    def generator(self, theta) -> np.ndarray:
        """J(θ) = Aθ + c, shape (D,)."""
        theta = self._check_theta(theta)
        out = self.apply(theta)
        return out if self._offset is None else out + self._offset

    def jacobian_transpose_apply(self, theta, v) -> np.ndarray:
        """DJᵀ v = Aᵀ v (independent of θ)."""
        return self.apply_transpose(v)

    def jacobian_apply(self, theta, v) -> np.ndarray:
        """DJ v = A v (independent of θ)."""
        return self.apply(v)

    @property
    def is_symmetric_matrix(self) -> bool:
        """True when A = Aᵀ exactly (diagonal generators always are)."""
        if self._form == "diagonal":
            return True
        if self._form == "sparse":
            return (abs(self._mat - self._mat.T)).max() == 0 if self._mat.nnz else True
        return bool(np.array_equal(self._mat, self._mat.T))

    def quadratic_form(self, theta) -> float:
        """Q_A(θ) = ½ θᵀ A θ (= ½ θᵀ A_sym θ), the charge of (L4) in MATH.md B2."""
        return self._quadratic(self._check_theta(theta))

    def abs_quadratic_form(self, theta) -> float:
        """½ |θ|ᵀ |A| |θ| (entrywise absolute values): the round-off scale of :meth:`quadratic_form`."""
        return self._abs_quadratic(self._check_theta(theta))

    # unchecked forms for validated θ (training loops evaluate them every step)
    def _quadratic(self, theta) -> float:
        return 0.5 * float(theta @ self.apply(theta))

    def _abs_quadratic(self, theta) -> float:
        a = np.abs(theta)
        if self._form == "diagonal":
            return 0.5 * float(a @ (np.abs(self._diag) * a))
        return 0.5 * float(a @ (abs(self._mat) @ a))

    def curve(self, theta, s: float) -> np.ndarray:
        """T_s θ = exp(sA)θ (+ the affine part), exactly.

        Diagonal A uses elementwise exponentials; otherwise
        ``scipy.sparse.linalg.expm_multiply`` acts on θ without forming exp(sA), in homogeneous
        coordinates [[A, c], [0, 0]] when c ≠ 0 (MATH.md §A: T_s = exp(sA) for J = Aθ).

        Raises
        ------
        InvalidValueError
            ``s`` is not finite, or the exact result overflows float64.
        """
        theta = self._check_theta(theta)
        s = float(s)
        if not np.isfinite(s):
            raise InvalidValueError(f"s: expected a finite number, got {s}")
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            if self._form == "diagonal":
                out = _diagonal_flow(s, self._diag, theta, self._offset)
            else:
                A = self.to_sparse() * s
                cost = float(abs(A).sum(axis=0).max()) if A.nnz else 0.0
                if cost > EXPM_MULTIPLY_NORM_LIMIT:
                    raise InvalidValueError(f"s: |s|·‖A‖₁ = {cost:.3g} exceeds {EXPM_MULTIPLY_NORM_LIMIT:.0e}; "
                                            "e^{sA} θ would need about that many matrix-vector products "
                                            "(scipy expm_multiply) and usually overflows float64; use a smaller s")
                if self._offset is None:
                    out = spla.expm_multiply(A, theta)
                else:
                    d = self.space.size
                    aug = sp.block_array([[A, sp.csr_array(s * self._offset[:, None])],
                                          [sp.csr_array((1, d)), sp.csr_array((1, 1))]], format="csr")
                    out = spla.expm_multiply(aug, np.append(theta, 1.0))[:d]
        if not np.all(np.isfinite(out)):
            raise InvalidValueError(f"s: exp(sA)θ overflows float64 at s = {s:g}")
        return out

    # -- homogeneous coordinates and brackets -------------------------------------------------------
    def homogeneous_entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Non-zero entries (rows, cols, values) of [A | c], the top D rows of the homogeneous matrix.

        The affine field J(θ) = Aθ + c is the (D+1)×(D+1) matrix Â = [[A, c], [0, 0]] acting on
        θ̂ = (θ, 1); its last row is zero, so only the D × (D+1) block [A | c] is returned
        (column D holds c). Sparse and diagonal generators are never densified.
        """
        d = self.space.size
        if self._form == "diagonal":
            idx = np.flatnonzero(self._diag)
            rows, cols, vals = idx, idx, self._diag[idx]
        elif self._form == "sparse":
            coo = self._mat.tocoo()
            keep = coo.data != 0
            rows, cols, vals = coo.row[keep], coo.col[keep], coo.data[keep]
        else:
            rows, cols = np.nonzero(self._mat)
            vals = self._mat[rows, cols]
        if self._offset is not None:
            idx = np.flatnonzero(self._offset)
            rows = np.concatenate([rows, idx])
            cols = np.concatenate([cols, np.full(idx.shape, d)])
            vals = np.concatenate([vals, self._offset[idx]])
        return rows.astype(np.int64), cols.astype(np.int64), np.asarray(vals, dtype=float)

    def homogeneous(self):
        """Â = [[A, c], [0, 0]] as a ``scipy.sparse.csr_array`` of shape (D+1, D+1)."""
        d = self.space.size
        rows, cols, vals = self.homogeneous_entries()
        return sp.csr_array((vals, (rows, cols)), shape=(d + 1, d + 1))

    def norm(self) -> float:
        """Frobenius norm of the homogeneous matrix: sqrt(‖A‖_F² + ‖c‖²)."""
        if self._form == "diagonal":
            a = float(np.linalg.norm(self._diag))
        elif self._form == "sparse":
            a = float(np.linalg.norm(self._mat.data))
        else:
            a = float(np.linalg.norm(self._mat))
        return float(np.hypot(a, 0.0 if self._offset is None else np.linalg.norm(self._offset)))

    def commutator(self, other: "LinearGenerator") -> "LinearGenerator":
        """The matrix commutator [Â, B̂] = ÂB̂ − B̂Â in homogeneous coordinates.

        Matrix part AB − BA, translation part A c_B − B c_A. Diagonal ∘ diagonal stays diagonal,
        sparse/diagonal stays sparse, anything with a dense operand is dense.

        Notes
        -----
        This is the Lie bracket of the matrix group; the vector-field bracket of MATH.md §A is
        its negative: [Aθ + a, Bθ + b]_vf = −([A,B]θ + Ab − Ba). Spans (and so closures,
        dimensions and orbits) are identical.

        Raises
        ------
        SpaceMismatchError
            The generators act on different parameter spaces.
        """
        if not isinstance(other, LinearGenerator):
            raise ShapeError(f"other: expected a LinearGenerator, got {type(other).__name__}")
        if self.space != other.space:
            raise SpaceMismatchError("bracket: generators defined over different parameter spaces "
                                     f"({self.space.describe()} vs {other.space.describe()})")
        off = None
        if self._offset is not None or other._offset is not None:
            off = np.zeros(self.space.size)
            if other._offset is not None:
                off += self.apply(other._offset)
            if self._offset is not None:
                off -= other.apply(self._offset)
        name = f"[{self.name},{other.name}]"
        if self._form == other._form == "diagonal":
            return LinearGenerator.diagonal(np.zeros(self.space.size), self.space, offset=off, name=name)
        if "dense" in (self._form, other._form):
            a, b = self.to_dense(), other.to_dense()
            return LinearGenerator(a @ b - b @ a, self.space, offset=off, name=name)
        a, b = self.to_sparse(), other.to_sparse()
        m = sp.csr_array(a @ b - b @ a)
        m.eliminate_zeros()
        return LinearGenerator(m, self.space, offset=off, name=name)

    # -- Lie-algebra linear combinations -------------------------------------------------------
    def _combine(self, other: "LinearGenerator", a: float, b: float) -> "LinearGenerator":
        if self.space != other.space:
            raise SpaceMismatchError("generators: defined over different parameter spaces "
                                     f"({self.space.describe()} vs {other.space.describe()})")
        off = None
        if self._offset is not None or other._offset is not None:
            off = (a * (self._offset if self._offset is not None else 0.0)
                   + b * (other._offset if other._offset is not None else 0.0))
        name = _combination_name(((a, self), (b, other)) if other is not self or b else ((a, self),))
        if self._form == other._form == "diagonal":
            return LinearGenerator.diagonal(a * self._diag + b * other._diag, self.space, offset=off, name=name)
        if "dense" in (self._form, other._form):
            return LinearGenerator(a * self.to_dense() + b * other.to_dense(), self.space, offset=off, name=name)
        return LinearGenerator(a * self.to_sparse() + b * other.to_sparse(), self.space, offset=off, name=name)

    def __add__(self, other):
        if not isinstance(other, LinearGenerator):
            return NotImplemented
        return self._combine(other, 1.0, 1.0)

    def __radd__(self, other):
        # 0 + A = A, so that sum([A, B, ...]) works (sum starts from the integer 0)
        if isinstance(other, numbers.Number) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    def __sub__(self, other):
        if not isinstance(other, LinearGenerator):
            return NotImplemented
        return self._combine(other, 1.0, -1.0)

    def __mul__(self, c):
        c = _as_scalar(c)
        if c is None:
            return NotImplemented
        return self._combine(self, c, 0.0)

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __repr__(self):
        extra = ", affine" if self._offset is not None else ""
        return f"LinearGenerator({self.name!r}, form={self._form}, D={self.space.size}{extra})"


def _combination_name(terms) -> str | None:
    """``"0.5·rescale[0] + 2·rescale[1]"`` for named generators (None when a term is unnamed)."""
    parts = []
    for coef, g in terms:
        if coef == 0:
            continue
        nm = getattr(g, "_name", None)
        if nm is None:
            return None
        scale = "" if coef == 1 else "-" if coef == -1 else f"{coef:g}·"
        parts.append(f"{scale}{nm}")
    return " + ".join(parts).replace("+ -", "- ") if parts else None
