"""Lie algebras of linear and affine generators: closure, structure, orbits, stabilizers.

:class:`LieAlgebra` closes a set of generators J(θ) = Aθ + c under the bracket (in homogeneous
coordinates Â = [[A, c], [0, 0]], so translations take part) and keeps an orthonormal basis in
the Frobenius inner product of Â. The algorithm and its rank decision are described in
:mod:`eqalg.transforms._closure`: only generators are bracketed, only with the newest basis
elements; levels with many brackets are sketched by random combinations; a direction is new
when its singular value, relative to the bound 2‖x‖‖y‖ of the bracket, exceeds ``rtol``. The
singular values around that cut are kept as :class:`ClosureEvidence`.

Everything derived from the algebra (MATH.md §A, B2, B3, D.2, D.6) — dimension, structure
constants, membership, centre, derived algebra, orbit dimension rank{B_k θ̂}, stabilizer
{B : B θ̂ = 0}, symmetric (gradient-field) elements — works on the stored coordinates: no
dense D × D array is formed unless the generators themselves are dense.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> g = LieAlgebra([LinearGenerator(rng.standard_normal((4, 4))) for _ in range(2)])
>>> g.dim                                   # gl(4)
16
>>> g.orbit_dimension(rng.standard_normal(4))
4
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..errors import InvalidValueError, ShapeError, SpaceMismatchError, as_vector, check_positive
from ..space import ParameterSpace
from ._closure import DENSE_CHART_LIMIT, ClosureEvidence, Engine, _cholqr2, row_split
from .linear import LinearGenerator

__all__ = ["LieAlgebra", "ClosureEvidence", "RankDecision", "STRUCTURE_CONSTANTS_LIMIT"]

#: Largest dimension for which :attr:`LieAlgebra.structure_constants` builds the dim³ array.
STRUCTURE_CONSTANTS_LIMIT = 400
#: Random combinations of the generators whose centralizer bounds the centre (first pass of centre()).
_CENTRE_SKETCH = 3
#: Above this size (bytes) the bracket matrix of centre() is reduced block by block, never formed.
_COMMUTANT_BYTES = 2 ** 28


class RankDecision:
    """A numerical rank with its evidence (singular values around the cut).

    Attributes
    ----------
    rank : int
    kept : ndarray
        The singular values above the cut, descending, divided by ``scale``.
    dropped : ndarray
        The singular values at or below the cut (divided by ``scale``), or — when the part below
        the cut was already smaller than the cut in Frobenius norm — that norm alone, an upper
        bound of all of them.
    rtol : float
        The cut (relative).
    scale : float
        What the singular values were divided by (e.g. ‖θ̂‖ for orbit tangents).
    """

    __slots__ = ("rank", "kept", "dropped", "rtol", "scale")

    def __init__(self, kept, dropped, rtol: float, scale: float):
        self.kept = np.asarray(kept, dtype=float)
        self.dropped = np.asarray(dropped, dtype=float)
        self.rtol, self.scale = float(rtol), float(scale)
        self.rank = int(self.kept.size)

    @property
    def singular_values(self) -> np.ndarray:
        """kept followed by dropped (descending within each)."""
        return np.concatenate([self.kept, np.sort(self.dropped)[::-1]])

    @property
    def around_cut(self) -> tuple:
        """(smallest kept, largest dropped) relative singular values (NaN where absent; 0 for an exact zero)."""
        return (float(self.kept[-1]) if self.kept.size else float("nan"),
                float(self.dropped.max()) if self.dropped.size else (0.0 if self.kept.size else float("nan")))

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        k, d = self.around_cut
        return {"rank": self.rank, "rtol": self.rtol, "scale": self.scale, "smallest_kept": k, "largest_dropped": d}

    def __repr__(self):
        k, d = self.around_cut
        return f"RankDecision(rank={self.rank}, smallest_kept={k:.3g}, largest_dropped={d:.3g}, rtol={self.rtol:g})"


def _as_generators(generators, space):
    gens = []
    for i, g in enumerate(generators):
        if isinstance(g, np.ndarray) or sp.issparse(g):
            g = LinearGenerator(g, space)
        if not isinstance(g, LinearGenerator):
            raise InvalidValueError(f"generators[{i}]: expected a LinearGenerator (linear or affine) or a "
                                    f"(D, D) matrix, got {type(g).__name__}; nonlinear VectorFields have "
                                    "infinite-dimensional brackets in general")
        gens.append(g)
    if space is None:
        if not gens:
            raise InvalidValueError("generators: empty; pass space= to build the zero algebra")
        space = gens[0].space
    if not isinstance(space, ParameterSpace):
        raise ShapeError(f"space: expected a ParameterSpace, got {type(space).__name__}")
    for i, g in enumerate(gens):
        if g.space != space:
            raise SpaceMismatchError(f"generators[{i}]: acts on {g.space.describe()}, expected {space.describe()}")
    return tuple(gens), space


#: Admissible rank tolerances of :class:`LieAlgebra` (see its ``rtol``).
RTOL_RANGE = (1e-12, 1e-3)


def check_rank_tolerance(rtol, name: str) -> float:
    """``rtol`` as a float if it lies in :data:`RTOL_RANGE`, else InvalidValueError naming ``name``."""
    check_positive(rtol, name)
    lo, hi = RTOL_RANGE
    if not lo <= rtol <= hi:
        raise InvalidValueError(f"{name}: expected a rank tolerance between {lo:g} and {hi:g}, got {rtol!r} "
                                "(below, round-off directions would be kept; above, genuine ones dropped)")
    return float(rtol)


class LieAlgebra:
    """The Lie algebra generated by linear/affine generators, with an orthonormal basis.

    Parameters
    ----------
    generators : sequence of LinearGenerator (or (D, D) arrays)
        Over one common :class:`~eqalg.space.ParameterSpace`.
    space : ParameterSpace, optional
        Required only when ``generators`` is empty.
    rtol : float
        Relative rank tolerance of the closure (default 1e-9): a bracket [x, y] adds a direction
        when its component outside the current span, divided by 2‖x‖_F‖y‖_F, has a singular value
        above ``rtol`` (generators: relative to their own norm). Float64 roundoff is ~1e-15;
        ``rtol`` must lie in :data:`RTOL_RANGE` = [1e-12, 1e-3]: below, round-off directions
        are kept (and the orthonormalization breaks down); above, the cut is no longer a
        numerical tolerance and drops genuine directions.
    seed : int
        Seed of the random sketches used for levels with more than ``batch`` brackets; the
        dimension does not depend on it (checked by :func:`eqalg.testing.check_lie_algebra`).
    batch : int
        Brackets per sketch batch (default 64).
    max_dim : int, optional
        Stop with an error when the dimension exceeds it.
    name : str

    Attributes
    ----------
    dim : int
    basis : tuple of LinearGenerator
        Orthonormal in ⟨X, Y⟩ = tr(X̂ᵀŶ) (Frobenius of the homogeneous matrices).
    generators : tuple of LinearGenerator
    evidence : ClosureEvidence
        Singular values around the rank cut, brackets per level, time.

    Raises
    ------
    InvalidValueError
        A generator is not linear/affine, no generator and no space, bad rtol/batch, or the
        closure exceeds ``max_dim`` or the memory limit.
    SpaceMismatchError
        Generators over different parameter spaces.
    ShapeError, NonFiniteError
        (from LinearGenerator) non-square, wrong-size or non-finite matrices.

    Notes
    -----
    In levels with more than ``batch`` brackets, the candidates are random combinations
    [Σ α_a s_a, Σ β_j n_j] divided by 2‖α‖‖β‖, so a direction produced by a single pair (a, j)
    enters with weight ~|α_a β_j| / (‖α‖‖β‖) ~ 1/√(#pairs): the effective cut for such a direction
    is rtol·√(#pairs) (still ≪ 1 at the default; genuine directions are O(1) in practice, see
    ``evidence.kept``). The bracket is the matrix commutator of homogeneous matrices (the
    negative of the vector-field bracket of MATH.md §A; same span). The orbit tangent space at θ is
    {B θ̂ : B ∈ 𝔤} with θ̂ = (θ, 1) and dim T_θ = dim 𝔤 − dim 𝔤_θ (MATH.md §A).
    """

    __slots__ = ("_space", "_gens", "_rtol", "_seed", "_batch", "_name", "_engine", "_evidence", "_cache",
                 "_S")

    def __init__(self, generators=(), *, space: ParameterSpace | None = None, rtol: float = 1e-9, seed: int = 0,
                 batch: int = 64, max_dim: int | None = None, name: str = "g"):
        gens, space = _as_generators(list(generators), space)
        check_rank_tolerance(rtol, "rtol")
        check_positive(batch, "batch", integer=True)
        if max_dim is not None:
            check_positive(max_dim, "max_dim", integer=True, allow_zero=True)
        self._space, self._gens, self._rtol, self._seed = space, gens, float(rtol), int(seed)
        self._batch, self._name, self._cache = int(batch), str(name), {}
        eng = Engine(space.size, self._rtol, np.random.default_rng(seed), self._batch)
        self._evidence = eng.close(eng.encode([g.homogeneous_entries() for g in gens]), max_dim)
        self._freeze(eng)

    @classmethod
    def _from_basis(cls, parent: "LieAlgebra", Q, name: str) -> "LieAlgebra":
        """A subalgebra of ``parent`` with orthonormal coordinate rows Q (already closed)."""
        self = cls.__new__(cls)
        self._space, self._rtol, self._seed, self._batch = parent._space, parent._rtol, parent._seed, parent._batch
        self._name, self._cache = name, {}
        eng = Engine(parent._space.size, parent._rtol, np.random.default_rng(parent._seed), parent._batch)
        eng.keys = parent._engine.keys
        eng._Q = np.zeros((0, eng.keys.size))
        eng.append(Q)
        eng.g = eng.k                  # a closed subspace generates itself
        self._evidence = ClosureEvidence(parent._rtol)
        self._freeze(eng)
        self._gens = None              # its own basis, built on first use
        return self

    def _freeze(self, eng):
        eng._Q = eng._Q[: eng.k].copy() if eng._Q.shape[0] > eng.k else eng._Q     # drop spare capacity
        for arr in (eng._Q, eng.keys):
            arr.setflags(write=False)
        self._engine, self._S = eng, eng.S

    # -- basic properties --------------------------------------------------------------------------
    @property
    def space(self) -> ParameterSpace:
        """The parameter space every element acts on."""
        return self._space

    @property
    def name(self) -> str:
        """Name used for the basis elements (``"g[0]"``, ...)."""
        return self._name

    @property
    def rtol(self) -> float:
        """The relative rank tolerance of the closure."""
        return self._rtol

    @property
    def seed(self) -> int:
        """Seed of the closure's random sketches."""
        return self._seed

    @property
    def generators(self) -> tuple:
        """The generators the algebra was built from (its basis, for a derived/centre/stabilizer subalgebra)."""
        return self.basis if self._gens is None else self._gens

    @property
    def evidence(self) -> ClosureEvidence:
        """Singular values around the rank cut and per-level bracket counts."""
        return self._evidence

    @property
    def dim(self) -> int:
        """Dimension of the algebra."""
        return self._engine.k

    def __len__(self):
        return self.dim

    @property
    def coordinates_matrix(self) -> np.ndarray:
        """The orthonormal basis as rows over the support pattern, shape (dim, P) (read-only)."""
        return self._engine.Q

    @property
    def has_translations(self) -> bool:
        """True when some element has a non-zero translation part (column D of Â is used)."""
        if "translations" not in self._cache:
            e = self._engine
            used = np.any(e.Q != 0, axis=0) if e.k else np.zeros(e.keys.size, bool)
            self._cache["translations"] = bool(np.any(used & (e.cols == e.d)))
        return self._cache["translations"]

    def _form(self) -> str:
        e = self._engine
        mat = e.cols < e.d
        if np.all(e.rows[mat] == e.cols[mat]):
            return "diagonal"
        return "dense" if e.d <= DENSE_CHART_LIMIT else "sparse"

    def _decode(self, vec, name) -> LinearGenerator:
        e = self._engine
        d = e.d
        rows, cols = e.rows, e.cols
        mat, off = cols < d, cols == d
        offset = np.zeros(d)
        offset[rows[off]] = vec[off]
        form = self._cache.get("form") or self._cache.setdefault("form", self._form())
        if form == "diagonal":
            diag = np.zeros(d)
            diag[rows[mat]] = vec[mat]
            return LinearGenerator.diagonal(diag, self._space, offset=offset, name=name)
        if form == "dense":
            a = np.zeros((d, d))
            a[rows[mat], cols[mat]] = vec[mat]
            return LinearGenerator(a, self._space, offset=offset, name=name)
        nz = mat & (vec != 0)
        a = sp.csr_array((vec[nz], (rows[nz], cols[nz])), shape=(d, d))
        return LinearGenerator(a, self._space, offset=offset, name=name)

    @property
    def basis(self) -> tuple:
        """The orthonormal basis as LinearGenerators named ``"<name>[i]"``."""
        if "basis" not in self._cache:
            self._cache["basis"] = tuple(self._decode(q, f"{self._name}[{i}]") for i, q in enumerate(self._engine.Q))
        return self._cache["basis"]

    def element(self, coefficients, name: str | None = None) -> LinearGenerator:
        """Σ_i coefficients[i] · basis[i] as a LinearGenerator.

        Raises
        ------
        ShapeError, NonFiniteError
            ``coefficients`` is not a finite vector of length dim.
        """
        c = as_vector(coefficients, "coefficients", self.dim)
        return self._decode(c @ self._engine.Q, name or f"{self._name}-element")

    # -- membership ----------------------------------------------------------------------------------
    def _encode_outside(self, x: LinearGenerator):
        if not isinstance(x, LinearGenerator):
            raise InvalidValueError(f"x: expected a LinearGenerator, got {type(x).__name__}")
        if x.space != self._space:
            raise SpaceMismatchError(f"x: acts on {x.space.describe()}, the algebra on {self._space.describe()}")
        e = self._engine
        r, c, v = x.homogeneous_entries()
        pos, ok = e.locate(r * e.w + c)
        vec = np.zeros(e.keys.size)
        np.add.at(vec, pos[ok], v[ok])
        return vec, float(np.linalg.norm(v[~ok])), float(np.linalg.norm(v))

    def coordinates(self, x: LinearGenerator) -> tuple[np.ndarray, float]:
        """Coefficients of the orthogonal projection of ``x`` on the algebra, and the relative residual.

        Returns
        -------
        (ndarray (dim,), float)
            c with x ≈ Σ c_i basis[i], and ‖x − Σ c_i basis[i]‖_F / ‖x‖_F (0 for x = 0).

        Raises
        ------
        SpaceMismatchError, InvalidValueError
        """
        vec, outside, norm = self._encode_outside(x)
        Q = self._engine.Q
        coef = Q @ vec
        inside = vec - coef @ Q
        res = float(np.hypot(np.linalg.norm(inside), outside))
        return coef, (res / norm if norm > 0 else 0.0)

    def contains(self, x: LinearGenerator, rtol: float | None = None) -> bool:
        """True when ``x`` lies in the algebra: relative residual ≤ ``rtol`` (default √(self.rtol)).

        The default leaves a wide margin both ways: members are off by roundoff and by the
        dropped directions (≤ rtol), non-members by O(1).
        """
        tol = np.sqrt(self._rtol) if rtol is None else float(check_positive(rtol, "rtol"))
        return self.coordinates(x)[1] <= tol

    # -- brackets inside the algebra -------------------------------------------------------------------
    def _bracket_rows(self, L, R):
        """[L_t, R_t] for coordinate rows, without extending the pattern."""
        return self._engine.bracket(L, R, extend=False)

    @property
    def structure_constants(self) -> np.ndarray:
        """c[i, j, l] with [b_i, b_j] = Σ_l c[i, j, l] b_l in the orthonormal basis, shape (dim,)*3.

        Raises
        ------
        InvalidValueError
            dim > STRUCTURE_CONSTANTS_LIMIT (the array would have dim³ entries).
        """
        if "structure" not in self._cache:
            n = self.dim
            if n > STRUCTURE_CONSTANTS_LIMIT:
                raise InvalidValueError(f"structure_constants: dim = {n} > {STRUCTURE_CONSTANTS_LIMIT} "
                                        "(dim³ entries); use structure_constants_in() on a sub-basis")
            self._cache["structure"] = self._structure(self._engine.Q)
        return self._cache["structure"]

    def _structure(self, E):
        """Coordinates (in the orthonormal basis) of [E_i, E_j] for rows E (m, P): shape (m, m, dim)."""
        m, Q = E.shape[0], self._engine.Q
        out = np.zeros((m, m, self.dim))
        for i in range(m):
            C, _ = self._bracket_rows(np.repeat(E[i:i + 1], m, axis=0), E)
            out[i] = C @ Q.T
        return out

    def structure_constants_in(self, elements) -> np.ndarray:
        """Structure constants c[i, j, l] of a chosen basis: [e_i, e_j] = Σ_l c[i, j, l] e_l.

        Parameters
        ----------
        elements : sequence of LinearGenerator
            A basis of the algebra (e.g. H, E, F of sl(2)).

        Raises
        ------
        InvalidValueError
            ``elements`` is not a basis of the algebra (not members, or dependent).
        """
        coords = []
        for i, x in enumerate(elements):
            c, res = self.coordinates(x)
            if res > np.sqrt(self._rtol):
                raise InvalidValueError(f"elements[{i}]: not in the algebra (relative residual {res:.3g})")
            coords.append(c)
        P = np.array(coords).reshape(len(coords), self.dim)
        if len(coords) != self.dim or np.linalg.matrix_rank(P, tol=np.sqrt(self._rtol)) < self.dim:
            raise InvalidValueError(f"elements: expected a basis of the {self.dim}-dimensional algebra, got "
                                    f"{len(coords)} elements of rank {np.linalg.matrix_rank(P) if coords else 0}")
        E = P @ self._engine.Q
        ortho = self._structure(E)                       # coordinates in the orthonormal basis
        return np.linalg.solve(P.T, ortho.reshape(-1, self.dim).T).T.reshape(self.dim, self.dim, self.dim)

    @property
    def is_abelian(self) -> bool:
        """True when all brackets of generators vanish (relative to 2‖x‖‖y‖, at ``rtol``)."""
        if "abelian" not in self._cache:
            e = self._engine
            S = self._S
            # one non-zero bracket decides: stop after the first batch that finds a direction
            V = e.image(lambda: S, lambda: S, lambda: np.zeros((0, e.keys.size)), extend=False,
                        into_basis=False, rng=np.random.default_rng(self._seed), first=True)
            self._cache["abelian"] = V.shape[0] == 0
        return self._cache["abelian"]

    def derived_algebra(self) -> "LieAlgebra":
        """[𝔤, 𝔤] = span{[s, b] : s generator, b ∈ basis} (an ideal; right-normed brackets of degree ≥ 2)."""
        if "derived" not in self._cache:
            e, S = self._engine, self._S
            V = e.image(lambda: S, lambda: e.Q, lambda: np.zeros((0, e.keys.size)), extend=False,
                        into_basis=False, rng=np.random.default_rng(self._seed))
            self._cache["derived"] = LieAlgebra._from_basis(self, V, f"[{self._name},{self._name}]")
        return self._cache["derived"]

    def centre(self) -> "LieAlgebra":
        """The centre {x ∈ 𝔤 : [x, s] = 0 for every generator s} (an abelian ideal).

        The centre lies in the centralizer of a few random combinations r = Σ β_a s_a of the
        generators; that (usually small) candidate space is found from dim·3 brackets, then the
        centre is cut out of it exactly against every generator. Memory stays bounded: a bracket
        matrix above 256 MiB is reduced block by block instead of being formed.
        """
        if "centre" not in self._cache:
            e, S, Q = self._engine, self._S, self._engine.Q
            n, g = self.dim, S.shape[0]
            if n == 0 or g == 0 or self.is_abelian:
                V = Q                                   # everything commutes with the generators
            else:
                rng = np.random.default_rng(self._seed)
                k = min(g, _CENTRE_SKETCH)
                beta = rng.standard_normal((k, g))
                beta /= np.linalg.norm(beta, axis=1)[:, None]
                # ‖[x, Σ β_a s_a]‖ ≤ ‖β‖ (Σ_a ‖[x, s_a]‖²)^½: with the cut √k·rtol (and a margin) every
                # central direction survives the first pass; the second pass is exact.
                loose = min(0.5, 10.0 * np.sqrt(k) * self._rtol)
                Z = self._commutant_null(Q, beta @ S, loose).T @ Q
                V = self._commutant_null(Z, S, self._rtol).T @ Z if Z.shape[0] else Z
            self._cache["centre"] = LieAlgebra._from_basis(self, V, f"Z({self._name})")
        return self._cache["centre"]

    def _commutant_null(self, X, R, tol):
        """Orthonormal coefficients c (m, z) with (Σ_a ‖[Σ_i c_i X_i, R_a]‖²)^½ / 2 ≤ tol (left null space).

        X (m, P): orthonormal rows; R (t, P): the elements to commute with. The matrix of all
        brackets [B_1 … B_t] (m × tP) is split by :func:`row_split` when it is small; otherwise it
        is never formed: its triangular factor is updated one element at a time (QR of the
        stacked transposes, whose singular values are the matrix's own).
        """
        e = self._engine
        m, t = X.shape[0], R.shape[0]

        def block(a):
            C, _ = e.bracket(X, np.repeat(R[a:a + 1], m, axis=0), extend=False)
            C /= 2.0                                      # the bound 2‖x‖‖r‖ for unit rows
            return C

        if 8 * m * t * X.shape[1] <= _COMMUTANT_BYTES:
            return row_split(np.hstack([block(a) for a in range(t)]), tol)[2]
        T = np.zeros((0, m))
        for a in range(t):
            T = np.linalg.qr(np.vstack([T, block(a).T]), mode="r")
        U, sv, _ = np.linalg.svd(T.T, full_matrices=True)
        sv = np.concatenate([sv, np.zeros(m - sv.size)])
        return U[:, sv <= tol]

    center = centre

    # -- action on a point -------------------------------------------------------------------------------
    def _hat(self, theta):
        theta = as_vector(theta, "theta", self._space.size)
        return np.append(theta, 1.0) if self.has_translations else np.append(theta, 0.0)

    def tangents(self, theta) -> np.ndarray:
        """The orbit tangents B_i θ̂ of the basis, shape (D, dim) (never a D × D array)."""
        e = self._engine
        th = self._hat(theta)
        R = sp.csr_array((np.ones(e.keys.size), (np.arange(e.keys.size), e.rows)), shape=(e.keys.size, e.d))
        return np.asarray((e.Q * th[e.cols]) @ R).T

    def _orbit_split(self, theta, rtol):
        tol = self._rtol if rtol is None else check_rank_tolerance(rtol, "rtol")
        scale = float(np.linalg.norm(self._hat(theta))) or 1.0
        T = self.tangents(theta)
        T /= scale
        return row_split(T.T, tol), tol, scale          # rows: the basis elements' tangents

    def orbit_rank(self, theta, rtol: float | None = None) -> RankDecision:
        """Rank of the orbit tangents {B_i θ̂} with its evidence.

        Singular values are divided by ‖θ̂‖ (each ‖B_i θ̂‖ ≤ ‖B_i‖_F ‖θ̂‖ = ‖θ̂‖); those above
        ``rtol`` (default: the algebra's rtol) count. θ̂ = (θ, 1) when the algebra has
        translations, else θ. Only the (D, dim) tangent matrix and dim × dim Gram matrices are
        formed (never D × D); an exact SVD is used only for singular values near the cut.
        """
        (_, kept, _, dropped), tol, scale = self._orbit_split(theta, rtol)
        return RankDecision(kept, dropped, tol, scale)

    def orbit_dimension(self, theta, rtol: float | None = None) -> int:
        """dim T_θ = dim span{B θ̂ : B ∈ 𝔤} (MATH.md §A, D.6); see :meth:`orbit_rank` for the evidence."""
        return self.orbit_rank(theta, rtol).rank

    def stabilizer(self, theta, rtol: float | None = None) -> "LieAlgebra":
        """The isotropy subalgebra 𝔤_θ = {B ∈ 𝔤 : B θ̂ = 0}; dim 𝔤_θ = dim 𝔤 − orbit dimension."""
        if not self.dim:
            self._hat(theta)
            return LieAlgebra._from_basis(self, np.zeros((0, self._engine.keys.size)), f"{self._name}_theta")
        (_, _, null, _), _, _ = self._orbit_split(theta, rtol)
        return LieAlgebra._from_basis(self, null.T @ self._engine.Q, f"{self._name}_theta")

    # -- symmetric elements (gradient fields) --------------------------------------------------------------
    def gradient_elements(self) -> dict:
        """Bases of the elements of 𝔤 that are gradient fields: J = Aθ + c with A = Aᵀ.

        Such J = ∇Q with Q = ½θᵀAθ + cᵀθ, and ⟨∇Q, ∇L⟩ = ⟨J, g⟩ = 0 (I1): Q is conserved by
        gradient flow (MATH.md (L4), (L7)); for a transpose-closed linear 𝔤 these are all
        conserved quadratics.

        Returns
        -------
        dict with keys ``"quadratic"`` (A = Aᵀ, c = 0), ``"translation"`` (A = 0) and ``"mixed"``
        (a complement of both in 𝔤 ∩ {A = Aᵀ}); values are tuples of LinearGenerators with
        exactly symmetric A.
        """
        if "gradient" in self._cache:
            return self._cache["gradient"]
        e = self._engine
        Q = e.Q
        n = self.dim
        mat = e.cols < e.d
        # skew part of A over the pattern and its transpose keys
        tk = e.cols[mat] * e.w + e.rows[mat]
        allk = np.union1d(e.keys[mat], tk)
        K = np.zeros((n, allk.size))
        K[:, np.searchsorted(allk, e.keys[mat])] += 0.5 * Q[:, mat]
        K[:, np.searchsorted(allk, tk)] -= 0.5 * Q[:, mat]
        sym = row_split(K, self._rtol)[2].T @ Q if n else np.zeros((0, e.keys.size))
        out = {"quadratic": (), "translation": (), "mixed": ()}
        if sym.shape[0]:
            off = ~mat
            quad = row_split(sym[:, off], self._rtol)[2].T @ sym if np.any(off) else sym
            trans = row_split(sym[:, mat], self._rtol)[2].T @ sym
            both = np.vstack([quad, trans])
            mixed = sym - (sym @ both.T) @ both if both.shape[0] else sym
            U, kept, _, _ = row_split(mixed, self._rtol)
            mixed_basis = _cholqr2((U.T @ mixed) / kept[:, None])
            out = {"quadratic": tuple(self._symmetrized(q, f"sym[{i}]") for i, q in enumerate(quad)),
                   "translation": tuple(self._symmetrized(t, f"trans[{i}]") for i, t in enumerate(trans)),
                   "mixed": tuple(self._symmetrized(m, f"mixed[{i}]") for i, m in enumerate(mixed_basis))}
        self._cache["gradient"] = out
        return out

    def _symmetrized(self, vec, name):
        x = self._decode(vec, f"{self._name}.{name}")
        if x.form == "diagonal":
            return x
        if x.form == "dense":
            a = x.matrix
            return LinearGenerator(0.5 * (a + a.T), self._space, offset=x.offset, name=x.name)
        a = x.matrix
        return LinearGenerator(sp.csr_array(0.5 * (a + a.T)), self._space, offset=x.offset, name=x.name)

    def __repr__(self):
        return f"LieAlgebra({self._name!r}, dim={self.dim}, D={self._space.size})"
