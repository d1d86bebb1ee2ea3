"""Run derived constraints over a model's catalogue and collect them in a :class:`Report`.

:func:`check` is the Python form of ``eqalg check``: for each parameter point, each
transformation (symmetries, then negative controls), each derived constraint and each backend it
records a :class:`~eqalg.constraints.CheckResult`. A report is *ok* when every true identity
holds and every negative control is violated; inconclusive (non-smooth) results make it not ok.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import numpy as np

from .backends import Analytic, FiniteDifference
from .backends.base import get_backends
from .constraints import NEAR_CRITICAL_REASON, CheckResult, derive, evaluate
from .errors import InvalidValueError, MissingMethodError
from .models.base import Model
from .selfcheck import derivative_checks
from .transforms.base import Transformation

__all__ = ["check", "Report"]

SCHEMA_VERSION = 1


def _as_named(transformations, what):
    if transformations is None:
        return {}
    if isinstance(transformations, dict):
        items = list(transformations.items())
    elif isinstance(transformations, Transformation):
        items = [(transformations.name, transformations)]
    else:
        items = [(getattr(t, "name", None), t) for t in transformations]
    out = {}
    for name, t in items:
        if not isinstance(t, Transformation):
            raise InvalidValueError(f"{what}: expected Transformation objects, got {type(t).__name__}")
        key, k = name, 1
        while key in out:  # keep distinct transformations that share a display name
            k += 1
            key = f"{name}#{k}"
        out[key] = t
    return out


def check(model: Model, theta=None, symmetries=None, controls=None, backend="both", *, derivatives=None) -> "Report":
    """Evaluate every derived constraint of every transformation at one or several points.

    Parameters
    ----------
    model : Model
    theta : array_like (D,) or dict of str -> array_like (D,), optional
        The parameter point(s); a dict names them (e.g. ``{"init": θ0, "trained": θ1}``).
        Default: one point ``"init"``, ``model.init_params(numpy.random.default_rng(0))``.
    symmetries : dict, list or Transformation, optional
        Transformations expected to be symmetries (default: ``model.symmetries()``).
    controls : dict, list or Transformation, optional
        Negative controls, expected to violate their constraints (default: ``model.controls()``
        when ``symmetries`` is omitted, none otherwise).
    backend : str, Backend or list
        ``"analytic"``, ``"finite-difference"``, ``"both"`` (default) or Backend instances.
    derivatives : bool, optional
        Add the consistency checks (G1) and (G2) of the model's own gradient and HVP against
        finite differences (:func:`eqalg.selfcheck.derivative_checks`) at every point. Default:
        when both an analytic and a finite-difference backend are used and the model has a
        gradient.

    Returns
    -------
    Report

    Raises
    ------
    UnknownNameError
        Unknown backend name.
    ShapeError, NonFiniteError
        A point is not a finite vector of length D.
    MissingMethodError
        The analytic backend is the only one and the model has no gradient (with
        ``"both"`` the analytic checks of such a model are listed as ``"unsupported"``).
    """
    if not isinstance(model, Model):
        raise InvalidValueError(f"model: expected an eqalg Model, got {type(model).__name__}")
    backends = get_backends(backend)
    if theta is None:
        theta = {"init": model.init_params(np.random.default_rng(0))}
    points = theta if isinstance(theta, dict) else {"theta": theta}
    if not points:
        raise InvalidValueError("theta: expected at least one parameter point")
    points = {name: model.validate_theta(p, f"theta[{name!r}]") for name, p in points.items()}
    if symmetries is None:
        syms, ctrls = model.symmetries(), model.controls() if controls is None else controls
    else:
        syms, ctrls = symmetries, controls
    syms, ctrls = _as_named(syms, "symmetries"), _as_named(ctrls, "controls")
    if not syms and not ctrls:
        raise InvalidValueError("symmetries, controls: nothing to check (the model's catalogue is empty; "
                                "pass transformations explicitly)")
    fds = [b for b in backends if isinstance(b, FiniteDifference)]
    if derivatives is None:
        derivatives = bool(fds) and any(isinstance(b, Analytic) for b in backends) and model.has_gradient
    results = []
    for point, th in points.items():
        if derivatives:
            results += [dataclasses.replace(r, point=point) for r in derivative_checks(model, th, *fds[:1])]
        for is_control, group in ((False, syms), (True, ctrls)):
            for name, t in group.items():
                for c in derive(t):
                    for b in backends:
                        try:
                            r = evaluate(c, model, th, b)
                        except MissingMethodError as exc:
                            if len(backends) == 1 and not model.has_gradient:
                                raise          # the only backend cannot serve the model at all: say so
                            # partial support (no HVP, or no derivatives at all while another
                            # backend checks from losses): record what could not be made
                            r = _unsupported(c, b, str(exc))
                        results.append(dataclasses.replace(r, transformation=name, point=point,
                                                           control=is_control))
    return Report(checks=results)


def _unsupported(c, backend, reason) -> CheckResult:
    t = c.transformation
    return CheckResult(transformation=t.name, kind=t.kind if t.is_symmetry else "equivariance",
                       constraint=c.name, label=c.label, order=c.order, backend=backend.name,
                       residual=float("nan"), scale=float("nan"), tolerance=float("nan"), fd_error=None,
                       passed=None, status="unsupported", evaluations={"loss": 0, "gradient": 0, "hvp": 0},
                       seconds=0.0, reason=reason)


@dataclass
class Report:
    """Results of :func:`check` plus optional context (model, data, training, conservation).

    Attributes
    ----------
    checks : list of CheckResult
    conservation : list of dict
        ``{"quantity", "start", "end", "measured_drift", "predicted_drift", ...}`` per quantity.
    model, data, training : dict
    symmetric_points : list of dict
        Entries of :func:`~eqalg.predictions.symmetric_points.symmetric_point_study` (``"subgroup"``,
        ``"dim_fixed"``, ``"irreducible_dims"``, ``"predicted_multiplicities"``,
        ``"measured_multiplicities"``, ``"off_block_norm"``, ``"gradient_in_fixed"``, ``"passed"``, ...).
    """

    checks: list
    conservation: list = field(default_factory=list)
    model: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    conservation_rtol: float = 1e-10
    symmetric_points: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every true identity holds, every control is violated, no check is inconclusive (except
        those :meth:`decided_elsewhere`), every tracked drift law matches within
        ``conservation_rtol`` and every symmetric point passes."""
        return bool(self.checks) and (all(r.as_expected or self.decided_elsewhere(r) for r in self.checks)
                                      and all(_law_holds(c, self.conservation_rtol) for c in self.conservation)
                                      and all(e.get("passed") is True for e in self.symmetric_points))

    def decided_elsewhere(self, r) -> bool:
        """True for a finite-difference check left inconclusive only by the round-off of the loss
        values at a near-critical point (:data:`~eqalg.constraints.NEAR_CRITICAL_REASON`) whose
        question another check answers as expected: the analytic backend's result for the same
        point, transformation and constraint, or — for a derivative self-check (G1/G2) — the same
        self-check holding at another point."""
        if r.status != "inconclusive" or r.reason != NEAR_CRITICAL_REASON:
            return False
        if r.transformation == "(model derivatives)":
            return any(o.transformation == r.transformation and o.label == r.label and o.status == "holds"
                       for o in self.checks if o is not r)
        return any(o.backend == "analytic" and o.point == r.point and o.transformation == r.transformation
                   and o.constraint == r.constraint and o.passed is not None and o.as_expected
                   for o in self.checks)

    def summary(self) -> dict:
        """Counts of checks by role and outcome, and the overall verdict (``summary`` in JSON)."""
        ids = [r for r in self.checks if not r.control]
        ctl = [r for r in self.checks if r.control]
        bad = [r for r in self.checks if not (r.as_expected or self.decided_elsewhere(r))]
        drift_bad = [c["quantity"] for c in self.conservation if not _law_holds(c, self.conservation_rtol)]
        sym_bad = [e for e in self.symmetric_points if e.get("passed") is not True]
        return {
            "checks": len(self.checks),
            "identities": len(ids),
            "identities_hold": sum(r.passed is True for r in ids),
            "controls": len(ctl),
            "controls_violated": sum(r.passed is False for r in ctl),
            "inconclusive": sum(r.passed is None and r.status != "unsupported" for r in self.checks),
            "inconclusive_decided_elsewhere": sum(self.decided_elsewhere(r) for r in self.checks),
            "trivial": sum(r.status == "trivial" for r in self.checks),
            "unsupported": sum(r.status == "unsupported" for r in self.checks),
            "conservation_laws": len(self.conservation),
            "conservation_laws_match": len(self.conservation) - len(drift_bad),
            "symmetric_points": len(self.symmetric_points),
            "symmetric_points_pass": len(self.symmetric_points) - len(sym_bad),
            "unexpected": [f"{r.point}/{r.transformation}/{r.label}/{r.backend}: {r.status}"
                           + (" (control)" if r.control else "") for r in bad]
                          + [f"drift law of {q}" for q in drift_bad]
                          + [f"symmetric point {e.get('point', '')}/{e.get('subgroup')}" for e in sym_bad],
            "ok": self.ok,
        }

    def to_dict(self) -> dict:
        """The JSON report (schema documented in README.md)."""
        return {"schema_version": SCHEMA_VERSION, "model": self.model, "data": self.data,
                "training": self.training, "warnings": list(self.warnings),
                "checks": [r.to_dict() for r in self.checks],
                "conservation": self.conservation, "symmetric_points": self.symmetric_points,
                "summary": self.summary()}

    def write_json(self, path) -> None:
        """Write :meth:`to_dict` to ``path`` (non-finite floats as null)."""
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(_json_safe(self.to_dict()), fh, indent=2)
            fh.write("\n")

    def format_checks(self) -> str:
        """The checks as a fixed-width text table, one row per check."""
        head = ("point", "transformation", "role", "kind", "constraint", "ord", "backend", "residual",
                "scale", "rel", "tolerance", "fd_error", "status", "L/g/Hv", "ms")
        rows = [head]
        for r in self.checks:
            ev = r.evaluations
            rows.append((r.point or "", r.transformation, _role(r), r.kind,
                         r.label, str(r.order), "fd" if r.backend == "finite-difference" else r.backend[:3],
                         _num(r.residual), _num(r.scale), _num(r.relative_residual), _num(r.tolerance),
                         "-" if r.fd_error is None else _num(r.fd_error),
                         r.status + ("" if r.as_expected else " !"),
                         f"{ev['loss']}/{ev['gradient']}/{ev['hvp']}", f"{1e3 * r.seconds:.1f}"))
        legend = sorted({(r.label, r.constraint) for r in self.checks})
        return _table(rows) + "\n" + "\n".join(f"  {name}" for _, name in legend)

    def format_conservation(self) -> str:
        """Conserved quantities as a text table."""
        rows = [("quantity", "start", "end", "measured_drift", "predicted_drift", "|difference|", "tolerance",
                 "status")]
        for c in self.conservation:
            diff = abs(c["measured_drift"] - c["predicted_drift"])
            ok = _law_holds(c, self.conservation_rtol)
            rows.append((c["quantity"], _num(c["start"]), _num(c["end"]), _num(c["measured_drift"]),
                         _num(c["predicted_drift"]), _num(diff), _num(c.get("tolerance")),
                         "matches" if ok else "differs !"))
        return _table(rows) + ("\n  tolerance = 1e-10 · Σ_k |predicted step| + 8 ε Σ_k ½|θ_k|ᵀ|A||θ_k| "
                               "(floating-point round-off)")

    def format_symmetric_points(self) -> str:
        """Symmetric points as a text table: subgroup, dim Fix(K), irreducible dims, predicted and
        measured multiplicity patterns, off-block norm, gradient in Fix(K), verdict."""
        rows = [("point", "construction", "subgroup", "|K|", "dim Fix", "irr dims", "predicted", "measured",
                 "off-block", "g in Fix", "status")]
        for e in self.symmetric_points:
            rows.append((e.get("point", ""), e.get("construction", ""), e["subgroup"], str(e.get("order", "")),
                         str(e["dim_fixed"]), _pattern(e["irreducible_dims"]), _pattern(e["predicted_multiplicities"]),
                         _pattern(e["measured_multiplicities"]), _num(e["off_block_norm"]),
                         "yes" if e["gradient_in_fixed"] else "no !",
                         ("passed" if e["passed"] else "failed !")
                         + ("" if e.get("generic", True) else " (degenerate)")))
        return _table(rows) + ("\n  patterns: multiplicity x number of distinct eigenvalues; passed = theta and g in "
                               "Fix(K), off-block <= 1e-10 relative, every multiplicity a multiple of its irreducible "
                               "dimension; 'degenerate': extra exact degeneracies (e.g. softmax translations)")


def _pattern(p) -> str:
    if isinstance(p, dict):
        return " ".join(f"{k}x{v}" for k, v in p.items())
    return ",".join(str(v) for v in p)


def _law_holds(entry: dict, rtol: float) -> bool:
    """A conservation entry's verdict: its own ``passed`` when present, else relative_error ≤ rtol."""
    if "passed" in entry:
        return bool(entry["passed"])
    return entry.get("relative_error", 0.0) <= rtol


def _role(r) -> str:
    if r.control:
        return "control"
    return {"equivariance": "equivariance", "derivatives": "self-check"}.get(r.kind, "symmetry")


def _num(x) -> str:
    if x is None:
        return "-"
    x = float(x)
    if not np.isfinite(x):
        return str(x)
    return f"{x:.2e}" if x != 0 else "0"


def _table(rows) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _json_safe(obj):
    if isinstance(obj, dict):
        return {k: _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_json_safe(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, np.ndarray):
        return _json_safe(obj.tolist())
    return obj
