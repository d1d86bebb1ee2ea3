"""Public conformance checks: run them on eqalg's objects and on your own implementations.

Each check exercises the laws an object must satisfy and raises ``AssertionError`` naming the
violated law (with the offending elements or the measured residual); on success it returns its
evidence (the cases checked, the residuals measured). Residuals of numerical laws are relative:
‖a − b‖ / max(‖a‖, ‖b‖, floor), the floor being the a-priori bound of the compared quantities
(for a bracket, ‖[P, Q]‖ ≤ 2‖P‖‖Q‖), so that vanishing brackets compare by round-off.

The group interface checked by :func:`check_group` is small, so a user type can be checked too:
the group has ``order``, ``identity``, ``generators``, ``elements`` (a sequence) and
``__contains__``; its elements have ``a @ b`` (product, b applied first), ``a.inverse()``,
``==`` and ``hash``. A cyclic group in a few lines:

>>> class Mod:
...     def __init__(self, k, n): self.k, self.n = k % n, n
...     def __matmul__(self, o): return Mod(self.k + o.k, self.n)
...     def inverse(self): return Mod(-self.k, self.n)
...     def __eq__(self, o): return isinstance(o, Mod) and (self.k, self.n) == (o.k, o.n)
...     def __hash__(self): return hash((self.k, self.n))
>>> class Cyclic:
...     def __init__(self, n): self.order, self.elements = n, [Mod(k, n) for k in range(n)]
...     identity = property(lambda self: self.elements[0])
...     generators = property(lambda self: self.elements[1:2])
...     def __contains__(self, g): return g in self.elements
>>> check_group(Cyclic(5))["associativity"]
125

"""

from __future__ import annotations

import numpy as np

from .errors import InvalidValueError, check_positive

__all__ = ["check_group", "check_lie_algebra"]


def _state(x):
    """A snapshot of an object's own attributes: array contents by value, other objects by identity."""
    names = [n for cls in type(x).__mro__ for n in getattr(cls, "__slots__", ())]
    names += list(getattr(x, "__dict__", {}))
    out = []
    for n in names:
        if not hasattr(x, n):
            continue
        v = getattr(x, n)
        if isinstance(v, np.ndarray):
            out.append((n, v.dtype.str, v.shape, v.tobytes()))
        elif isinstance(v, (int, float, complex, str, bytes, bool, type(None))):
            out.append((n, v))
        elif isinstance(v, (list, tuple)):
            out.append((n, len(v), tuple(id(e) for e in v)))
        else:
            out.append((n, id(v)))
    return tuple(out)


def _unchanged(op, name, *args):
    """Run ``op(*args)``; fail when it changed an argument. Lazy caches are filled first."""
    for a in args:
        hash(a)
        _ = a == a
    before = [_state(a) for a in args]
    result = op(*args)
    for k, (a, s) in enumerate(zip(args, before)):
        if _state(a) != s:
            raise AssertionError(f"arguments not mutated: {name} changed its argument {k} ({a!r})")
    return result


def check_group(G, *, samples: int = 60, exhaustive: int = 24, rng: np.random.Generator | None = None) -> dict:
    """Check that ``G`` satisfies the finite-group interface and axioms.

    Laws: the listed elements are ``order`` distinct members; generators are members; closure
    (a @ b ∈ G); associativity ((a @ b) @ c == a @ (b @ c)); identity (e @ a == a == a @ e);
    inverses (a @ a⁻¹ == e == a⁻¹ @ a); hash agreeing with equality; arguments not
    mutated by products and inverses (lazily filled caches excepted). Hash agreement is checked
    on elements rebuilt as (a⁻¹)⁻¹ and e @ a, and on equal pairs.

    Parameters
    ----------
    G : group
        A :class:`~eqalg.transforms.finite.FiniteGroup` or any object with the interface in the
        module docstring.
    samples : int
        Random elements (pairs, triples) checked per law when the group is larger than
        ``exhaustive``.
    exhaustive : int
        Groups of at most this order are checked on all elements, pairs and triples.
    rng : numpy.random.Generator, optional
        Seeded generator for the samples (default seed 0).

    Returns
    -------
    dict
        ``{law: number of cases checked}``.

    Raises
    ------
    AssertionError
        A law fails; the message names it and the elements involved.
    InvalidValueError
        Bad ``samples``/``exhaustive``/``rng``.
    """
    check_positive(samples, "samples", integer=True)
    check_positive(exhaustive, "exhaustive", integer=True, allow_zero=True)
    if rng is None:
        rng = np.random.default_rng(0)
    if not isinstance(rng, np.random.Generator):
        raise InvalidValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    counts: dict = {}
    n = int(G.order)
    E = G.elements
    e = G.identity
    small = n <= exhaustive
    if n <= 10 ** 5:
        listed = list(E)
        if len(listed) != n or len(set(listed)) != n:
            raise AssertionError(f"elements: expected {n} distinct elements, got {len(listed)} "
                                 f"({len(set(listed))} distinct)")
        counts["elements"] = n

    def pick(k):
        if small:
            return [E[i] for i in range(n)]
        return [E[int(i)] for i in rng.integers(n, size=k)]

    for g in G.generators:
        if g not in G:
            raise AssertionError(f"closure: generator {g!r} is not a member")
    one = pick(samples)
    for a in one:
        if not (e @ a == a and a @ e == a):
            raise AssertionError(f"identity: e @ a == a == a @ e fails for a = {a!r}")
        ai = _unchanged(lambda x: x.inverse(), "inverse()", a)
        if not (a @ ai == e and ai @ a == e):
            raise AssertionError(f"inverses: a @ a^-1 == e fails for a = {a!r}")
        for b in (ai.inverse(), e @ a):   # the same element built differently
            if b != a or hash(b) != hash(a):
                raise AssertionError(f"hash agreeing with equality: (a^-1)^-1 and e @ a must equal a with a's hash "
                                     f"(a = {a!r})")
    counts["identity"] = counts["inverses"] = len(one)
    pairs = [(a, b) for a in one for b in one] if small else list(zip(pick(samples), pick(samples)))
    for a, b in pairs:
        ab = _unchanged(lambda x, y: x @ y, "a @ b", a, b)
        if ab not in G:
            raise AssertionError(f"closure: a @ b is not a member for a = {a!r}, b = {b!r}")
        if a == b and hash(a) != hash(b):
            raise AssertionError(f"hash agreeing with equality: equal elements with different hashes: {a!r}, {b!r}")
    counts["closure"] = counts["hash"] = counts["not mutated"] = len(pairs)
    if small:
        triples = [(a, b, c) for a in one for b in one for c in one]
    else:
        triples = list(zip(pick(samples), pick(samples), pick(samples)))
    for a, b, c in triples:
        if (a @ b) @ c != a @ (b @ c):
            raise AssertionError(f"associativity: (a @ b) @ c != a @ (b @ c) for a = {a!r}, b = {b!r}, c = {c!r}")
    counts["associativity"] = len(triples)
    return counts


def _rel(a, b, scale) -> float:
    diff = (a - b).norm()
    return float(diff / max(a.norm(), b.norm(), scale))


def check_lie_algebra(L, *, seed: int = 0, rtol: float = 1e-10) -> dict:
    """Check the Lie-algebra laws of ``L`` on random elements, and the stability of its closure.

    Laws (X, Y, Z random elements of L, a, b random scalars; bracket = :func:`eqalg.bracket`):

    * bilinearity: [aX + bY, Z] = a[X, Z] + b[Y, Z];
    * antisymmetry: [X, Y] = −[Y, X];
    * Jacobi identity: [X, [Y, Z]] + [Y, [Z, X]] + [Z, [X, Y]] = 0, relative to the larger of the
      sum of the three terms' norms and their bound 12‖X‖‖Y‖‖Z‖;
    * closure: [X, Y] ∈ L (``L.contains``);
    * orthonormal basis: the Gram matrix of ``L.basis`` is the identity;
    * reproducibility: rebuilding ``type(L)(L.generators, rtol=L.rtol, seed=seed + 1)`` with
      another seed of the random sketches gives the same dimension.

    Parameters
    ----------
    L : LieAlgebra (or an object with ``dim``, ``basis``, ``generators``, ``rtol``, ``space``,
        ``element(coefficients)``, ``contains(x)`` and the same constructor)
    seed : int
        Seed of the random elements.
    rtol : float
        Tolerance of the exact laws (bilinearity, antisymmetry, Jacobi, orthonormality),
        float64 roundoff with margin.

    Returns
    -------
    dict
        The measured relative residuals and the two dimensions.

    Raises
    ------
    AssertionError
        A law is violated (all violations are listed).
    """
    from .transforms.brackets import bracket

    rng = np.random.default_rng(seed)
    out = {"dim": L.dim}
    failures = []
    if L.dim:
        X, Y, Z = (L.element(rng.standard_normal(L.dim)) for _ in range(3))
        a, b = rng.standard_normal(2)
        nx, ny, nz = X.norm(), Y.norm(), Z.norm()
        # floors: the bracket bound ‖[P, Q]‖ ≤ 2‖P‖‖Q‖ (an abelian algebra has roundoff-level brackets)
        lhs, rhs = bracket(a * X + b * Y, Z), a * bracket(X, Z) + b * bracket(Y, Z)
        out["bilinearity"] = _rel(lhs, rhs, 2 * (abs(a) * nx + abs(b) * ny) * nz)
        xy, yx = bracket(X, Y), bracket(Y, X)
        out["antisymmetry"] = _rel(xy, -yx, 2 * nx * ny)
        terms = [bracket(X, bracket(Y, Z)), bracket(Y, bracket(Z, X)), bracket(Z, xy)]
        total = terms[0] + terms[1] + terms[2]
        out["jacobi"] = float(total.norm() / max(sum(t.norm() for t in terms), 12 * nx * ny * nz))
        out["closure_residual"] = L.coordinates(xy)[1] if hasattr(L, "coordinates") else float("nan")
        out["closure"] = bool(L.contains(xy))
        Q = getattr(L, "coordinates_matrix", None)
        if Q is not None:
            gram = Q @ Q.T
        elif L.dim <= 64:
            gram = np.array([[_inner(p, q) for q in L.basis] for p in L.basis])
        else:
            gram = None
        out["orthonormality"] = float(np.abs(gram - np.eye(L.dim)).max()) if gram is not None else float("nan")
        for law in ("bilinearity", "antisymmetry", "jacobi"):
            if not out[law] <= rtol:
                failures.append(f"{law}: relative residual {out[law]:.3g} > {rtol:g}")
        if not out["closure"]:
            failures.append(f"closure: [X, Y] not in the algebra (relative residual {out['closure_residual']:.3g})")
        if gram is not None and not out["orthonormality"] <= 1e3 * rtol:
            failures.append(f"orthonormality: max |Gram − I| = {out['orthonormality']:.3g}")
    again = type(L)(L.generators, space=L.space, rtol=L.rtol, seed=L.seed + 1 + seed)
    out["dim_other_seed"] = again.dim
    if again.dim != L.dim:
        failures.append(f"closure dimension depends on the seed: {L.dim} vs {again.dim}")
    if failures:
        raise AssertionError(f"check_lie_algebra({L!r}): " + "; ".join(failures))
    return out


def _inner(p, q) -> float:
    """Frobenius inner product of the homogeneous matrices of two linear generators."""
    return float((p.homogeneous().multiply(q.homogeneous())).sum())
