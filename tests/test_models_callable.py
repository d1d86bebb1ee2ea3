"""CallableModel: user losses as plain callables, with or without gradient and HVP."""

import numpy as np
import pytest

import eqalg
from eqalg.backends import FiniteDifference
from eqalg.errors import InvalidValueError, MissingMethodError, NonFiniteError, ShapeError


@pytest.fixture(scope="module")
def reference():
    """An analytic zoo model and a generic point."""
    diabetes = eqalg.load_diabetes()
    m = eqalg.DeepLinear(diabetes.X[:80], diabetes.Y[:80], 3, 3)
    return m, m.init_params(np.random.default_rng(0))


def _wrap(m, **kw):
    return eqalg.CallableModel(m.space, loss=m.loss, symmetries=m.symmetries(), controls=m.controls(), **kw)


def test_loss_only_reproduces_analytic_results_within_fd_error(reference):
    m, theta = reference
    c = _wrap(m)
    assert not c.has_gradient and not c.has_hvp
    fd = FiniteDifference()
    g = fd.gradient(c, theta)
    exact = m.gradient(theta)
    assert np.linalg.norm(g.value - exact) <= fd.safety * g.error
    assert np.linalg.norm(g.value - exact) <= 1e-7 * np.linalg.norm(exact)
    V = np.random.default_rng(1).standard_normal((m.space.size, 2))
    hv = fd.hvp(c, theta, V)
    assert np.linalg.norm(hv.value - m.hvp(theta, V)) <= fd.safety * hv.error


def test_loss_only_model_gives_the_same_verdicts_as_the_analytic_model(reference):
    m, theta = reference
    c = _wrap(m)
    names = ["gl[1][0,1]", "G[1]", "flip[2][0]"]
    syms = {n: m.symmetries()[n] for n in names}
    ctrls = m.controls()
    r_fd = eqalg.check(c, {"init": theta}, symmetries=syms, controls=ctrls, backend="finite-difference")
    r_an = eqalg.check(m, {"init": theta}, symmetries=syms, controls=ctrls, backend="analytic")
    assert r_fd.ok and r_an.ok
    assert [r.passed for r in r_fd.checks] == [r.passed for r in r_an.checks]
    with pytest.raises(MissingMethodError, match="finite-difference"):
        eqalg.check(c, theta, symmetries=syms, backend="analytic")


def test_with_gradient_and_hvp_it_matches_exactly(reference):
    m, theta = reference
    V = np.random.default_rng(2).standard_normal((m.space.size, 3))
    for batched in (False, True):
        c = _wrap(m, grad=m.gradient, hvp=m.hvp, batched_hvp=batched)
        assert c.has_gradient and c.has_hvp
        np.testing.assert_array_equal(c.gradient(theta), m.gradient(theta))
        np.testing.assert_allclose(c.hvp(theta, V), m.hvp(theta, V), rtol=1e-13, atol=1e-15)
        assert c.hvp(theta, V[:, 0]).shape == (m.space.size,)
    report = eqalg.check(c, {"init": theta}, backend="both")
    assert report.ok


def test_plain_numpy_model_from_the_readme():
    """A 2-parameter model L = ½(uw − 1)²: rescaling (u, w) ↦ (cu, w/c) is a symmetry (L1/L2)."""
    space = eqalg.ParameterSpace([("u", (1,)), ("w", (1,))])

    def loss(th):
        return 0.5 * (th[0] * th[1] - 1.0) ** 2

    def grad(th):
        r = th[0] * th[1] - 1.0
        return np.array([r * th[1], r * th[0]])

    A = eqalg.LinearGenerator.from_selections(space, plus=[space["u"][0]], minus=[space["w"][0]], name="rescale")
    shift = eqalg.LinearGenerator.from_selections(space, plus=[space["u"][0]], name="scale_u")
    m = eqalg.CallableModel(space, loss=loss, grad=grad, symmetries=[A], controls=[shift])
    report = eqalg.check(m, {"p": np.array([0.5, 3.0])}, backend="finite-difference")
    assert report.ok
    assert m.describe()["gradient"] is True


def test_bad_callables_and_outputs_raise(reference):
    m, theta = reference
    with pytest.raises(InvalidValueError, match="loss"):
        eqalg.CallableModel(m.space, loss=None)
    with pytest.raises(InvalidValueError, match="grad"):
        eqalg.CallableModel(m.space, loss=m.loss, grad=3)
    with pytest.raises(InvalidValueError, match="space"):
        eqalg.CallableModel("D", loss=m.loss)
    with pytest.raises(ShapeError, match="symmetries"):
        eqalg.CallableModel(5, loss=lambda th: 0.0, symmetries=m.symmetries())
    with pytest.raises(ShapeError, match="scalar"):
        eqalg.CallableModel(m.space, loss=lambda th: th).loss(theta)
    with pytest.raises(NonFiniteError, match="loss"):
        eqalg.CallableModel(m.space, loss=lambda th: np.nan).loss(theta)
    with pytest.raises(ShapeError, match="grad"):
        eqalg.CallableModel(m.space, loss=m.loss, grad=lambda th: th[:3]).gradient(theta)
    with pytest.raises(ShapeError, match="hvp"):
        eqalg.CallableModel(m.space, loss=m.loss, hvp=lambda th, v: v[:2]).hvp(theta, theta)
    with pytest.raises(ShapeError, match="theta"):
        eqalg.CallableModel(m.space, loss=m.loss).loss(theta[:4])
    with pytest.raises(MissingMethodError):
        eqalg.CallableModel(m.space, loss=m.loss).per_sample_loss(theta)


def test_init_params_and_flat_space():
    c = eqalg.CallableModel(4, loss=lambda th: float(th @ th))
    assert c.space.size == 4
    theta = c.init_params(np.random.default_rng(0))
    assert theta.shape == (4,)
    c2 = eqalg.CallableModel(4, loss=lambda th: float(th @ th), init=lambda rng: np.ones(4))
    np.testing.assert_array_equal(c2.init_params(np.random.default_rng(0)), np.ones(4))
    rotation = eqalg.LinearGenerator(np.array([[0, 1, 0, 0], [-1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0.0]]))
    for c_ in eqalg.derive(rotation):                   # ‖θ‖² is rotation invariant: L1 and L2 hold
        assert eqalg.evaluate(c_, c, theta, FiniteDifference()).passed is True


@pytest.mark.parametrize("bad,match", [([3], r"symmetries\[0\]: expected a Transformation, got int"),
                                       ({"s": "swap"}, r"symmetries\['s'\]: expected a Transformation, got str"),
                                       (3, "symmetries: expected a dict or a list")])
def test_catalogue_entries_that_are_not_transformations_are_invalid_values(reference, bad, match):
    m, _ = reference
    with pytest.raises(InvalidValueError, match=match):
        eqalg.CallableModel(m.space, loss=m.loss, symmetries=bad)
    # control: a list of transformations is keyed by their names
    t = next(iter(m.symmetries().values()))
    assert list(eqalg.CallableModel(m.space, loss=m.loss, controls=[t]).controls()) == [t.name]


def test_a_list_naming_two_transformations_alike_is_refused(reference):
    m, _ = reference
    t = next(iter(m.symmetries().values()))
    with pytest.raises(InvalidValueError, match=r"symmetries\[1\]: the name .* is used twice"):
        eqalg.CallableModel(m.space, loss=m.loss, symmetries=[t, t])
    # control: a dict names them apart and keeps both
    assert len(eqalg.CallableModel(m.space, loss=m.loss, symmetries={"a": t, "b": t}).symmetries()) == 2


def test_loss_only_models_get_errors_that_fit_the_call(reference):
    m, theta = reference
    c = eqalg.CallableModel(m.space, loss=m.loss)
    rho = [t for t in m.symmetries().values() if isinstance(t, eqalg.SignedPermutation)][:1]
    calls = {"gradient_descent": (lambda: eqalg.gradient_descent(c, theta, 0.01, 3), "gradient,"),
             "run_optimizer": (lambda: eqalg.run_optimizer(c, theta, eqalg.Adam(0.01), 3), "gradient,"),
             "hessian_block_report": (lambda: eqalg.hessian_block_report(c, theta, rho),
                                      "gradient and Hessian-vector products")}
    for caller, (call, what) in calls.items():
        with pytest.raises(MissingMethodError, match=f"model: {caller} runs on the model's own {what}") as info:
            call()
        assert "backend=" not in str(info.value) and "grad=" in str(info.value)     # no option the call lacks
    with_grad = eqalg.CallableModel(m.space, loss=m.loss, grad=m.gradient)
    with pytest.raises(MissingMethodError, match="own Hessian-vector products, .* takes hvp=;"):
        eqalg.hessian_block_report(with_grad, theta, rho)
    # control: with a gradient the same model trains
    assert eqalg.gradient_descent(with_grad, theta, 0.01, 3).losses.shape == (4,)
    # direct calls say where the finite-difference backend applies (symmetry checks), not "use backend=" bare
    with pytest.raises(MissingMethodError, match=r"pass grad=\) \(symmetry checks, eqalg.evaluate"):
        c.gradient(theta)


def test_issue_form_of_check_with_a_loss_only_model(reference):
    # eqalg.check(m, symmetries=[...], backend="both") on a loss-only model (issue 6): no point
    # given (init_params with seed 0), analytic checks listed as unsupported, the verdict from
    # finite differences
    m, _ = reference
    syms = list(m.symmetries().values())[:2]
    ctrl = list(m.controls().values())[:1]
    c = eqalg.CallableModel(m.space, loss=m.loss, init=m.init_params)
    report = eqalg.check(c, symmetries=syms, controls=ctrl, backend="both")
    summary = report.summary()
    assert {r.point for r in report.checks} == {"init"}
    unsupported = [r for r in report.checks if r.status == "unsupported"]
    assert unsupported and all(r.backend == "analytic" for r in unsupported)
    assert summary["unsupported"] == len(unsupported) and summary["inconclusive"] == 0
    assert summary["ok"] is True
    # the controls are still violated by the finite-difference backend (negative control)
    assert any(r.control and r.passed is False and r.backend == "finite-difference" for r in report.checks)
    # the analytic backend alone cannot serve the model: said at once
    with pytest.raises(MissingMethodError):
        eqalg.check(c, symmetries=syms, backend="analytic")
    with pytest.raises(InvalidValueError, match="backend: expected"):
        eqalg.check(c, symmetries=syms, backend=None)
    with pytest.raises(InvalidValueError, match="backend: expected at least one"):
        eqalg.check(c, symmetries=syms, backend=[])


@pytest.mark.parametrize("which", ["loss", "grad", "hvp", "per_sample_loss"])
def test_single_precision_values_are_refused(which):
    # a float32 loss (JAX without x64) made the FD backend report a true symmetry "violated"
    space = eqalg.ParameterSpace.flat(3)
    full = {"loss": lambda t: float(t @ t), "grad": lambda t: 2 * t, "hvp": lambda t, v: 2 * v,
            "per_sample_loss": lambda t: t * t}
    low = dict(full)
    low[which] = {"loss": lambda t: np.float32(t @ t), "grad": lambda t: (2 * t).astype(np.float32),
                  "hvp": lambda t, v: (2 * v).astype(np.float32),
                  "per_sample_loss": lambda t: (t * t).astype(np.float32)}[which]
    theta = np.array([1.0, -2.0, 0.5])
    calls = {"loss": lambda m: m.loss(theta), "grad": lambda m: m.gradient(theta),
             "hvp": lambda m: m.hvp(theta, theta), "per_sample_loss": lambda m: m.per_sample_loss(theta)}
    with pytest.raises(eqalg.errors.InvalidValueError, match=f"{which}: the callable returned float32 values"):
        calls[which](eqalg.CallableModel(space, **low))
    calls[which](eqalg.CallableModel(space, **full))                       # control: float64 is accepted
