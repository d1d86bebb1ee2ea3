"""Public conformance checks: run them on eqalg's objects and on your own.

Each check exercises the laws an object must satisfy and raises ``AssertionError`` naming every
violated law with its measured residual; on success it returns the measurements. Residuals are
relative: ‖a − b‖ / max(‖a‖, ‖b‖, floor), the floor being the a-priori bound of the compared
quantities (for a bracket, ‖[P, Q]‖ ≤ 2‖P‖‖Q‖), so that vanishing brackets compare by roundoff.
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_lie_algebra"]


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
