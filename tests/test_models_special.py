"""Model-specific identities: softmax translations, normalized rows, logistic flips, homogeneity."""

import numpy as np
import pytest

import eqalg
from eqalg.models.layers import DenseStack, split_layer_directions


@pytest.fixture(scope="module")
def wine():
    return eqalg.load_wine()


def test_softmax_translation_is_flat_everywhere(wine):
    """(L7): H c = 0 and gᵀc = 0 at every θ, not only at minima (MATH.md §C #9)."""
    m = eqalg.SoftmaxRegression(wine.X, wine.Y)
    rng = np.random.default_rng(0)
    C = np.stack([t.offset for t in m.translation_generators().values()], axis=1)
    assert C.shape == (m.space.size, wine.X.shape[1] + 1)
    for scale in (0.1, 1.0, 10.0):
        theta = scale * rng.standard_normal(m.space.size)
        g = m.gradient(theta)
        gain = np.linalg.norm(m.hessian(theta), 2)
        assert np.abs(g @ C).max() <= 1e-13 * np.linalg.norm(g) * np.linalg.norm(C, axis=0).max()
        assert np.abs(m.hvp(theta, C)).max() <= 1e-13 * gain * np.linalg.norm(C, axis=0).max()
    # a single class's translation is not flat
    one = m.controls()["translate_W[0,:]"].offset
    assert np.linalg.norm(m.hvp(theta, one)) > 1e-3 * gain


def test_normalized_rows_are_scale_invariant_directions():
    """B5: H(P_rθ) = −P_r g for every normalized row r, and (P_rθ)ᵀH(P_rθ) = 0."""
    iris = eqalg.load_iris()
    m = eqalg.NormalizedMLP(iris.X, iris.Y, 6, 2, "tanh", "cross_entropy")
    rng = np.random.default_rng(1)
    for _ in range(3):
        theta = m.init_params(rng) * rng.uniform(0.5, 3.0)
        g = m.gradient(theta)
        for r in range(6):
            P = m.space.indicator(m.space["W1"][r, :])
            Pt = P * theta
            lhs, rhs = m.hvp(theta, Pt), -P * g
            assert np.linalg.norm(lhs - rhs) <= 1e-12 * (np.linalg.norm(lhs) + np.linalg.norm(rhs))
            assert abs(Pt @ lhs) <= 1e-12 * np.linalg.norm(lhs) * np.linalg.norm(Pt)
        # the loss itself is invariant under scaling a row
        scaled = theta.copy()
        scaled[m.space["W1"][2, :]] *= 7.0
        assert m.loss(scaled) == pytest.approx(m.loss(theta), rel=1e-14)


def test_normalized_zero_row_is_rejected():
    iris = eqalg.load_iris()
    m = eqalg.NormalizedMLP(iris.X, iris.Y, 3)
    theta = m.init_params(np.random.default_rng(0))
    theta[m.space["W1"][1, :]] = 0.0
    with pytest.raises(eqalg.errors.InvalidValueError, match="zero norm"):
        m.loss(theta)


def test_sigmoid_flip_gradient_lies_in_fix_of_transpose_not_fix():
    """(D7): at a fixed point of the logistic flip, Mᵀg = g (∂L/∂a_j = ½ ∂L/∂c) but Mg ≠ g."""
    iris = eqalg.load_iris()
    m = eqalg.SigmoidMLP(iris.X, iris.Y, 4, 2, "mse")
    M = m.symmetries()["sflip[1][2]"]
    assert not M.is_orthogonal
    theta = m.init_params(np.random.default_rng(2))
    for sel in m.neuron_in(1, 2) + m.neuron_out(1, 2):       # the fixed set w_j = b_j = a_j = 0
        theta[sel] = 0.0
    np.testing.assert_allclose(M.act(theta), theta, atol=0)
    g = m.gradient(theta)
    np.testing.assert_allclose(M.linear_apply_transpose(g), g, atol=1e-15)
    assert np.linalg.norm(M.linear_apply(g) - g) > 1e-3 * np.linalg.norm(g)
    a = g[m.space["W2"][:, 2]]
    c = g[m.space["b2"].indices]
    np.testing.assert_allclose(a, 0.5 * c, atol=1e-15)
    # the flip is an involution and the loss is invariant at a generic point
    theta = m.init_params(np.random.default_rng(3))
    np.testing.assert_allclose(M.act(M.act(theta)), theta, atol=1e-15)
    assert m.loss(M.act(theta)) == pytest.approx(m.loss(theta), rel=1e-13)


def test_sigmoid_flip_needs_biases():
    iris = eqalg.load_iris()
    m = eqalg.MLP(iris.X, iris.Y, 3, 2, "sigmoid", bias=False)
    assert not any(n.startswith("sflip") for n in m.symmetries())
    with pytest.raises(eqalg.errors.InvalidValueError, match="biases"):
        m.sigmoid_flip(1, 0)


def test_bias_free_relu_network_is_homogeneous():
    """Euler (M1): Df θ = k f and the loss-level consequence θᵀg = k E[∇ℓᵀ f] (MATH.md B4), k = depth."""
    iris = eqalg.load_iris()
    m = eqalg.MLP(iris.X, iris.Y, [6, 5], 3, "relu", "mse", bias=False)
    assert m.homogeneity_degree == 3
    theta = m.init_params(np.random.default_rng(4))
    f = m.output(theta)
    np.testing.assert_allclose(m.output_jvp(theta, theta), 3 * f, rtol=1e-12, atol=1e-14)
    assert m.output(2.0 * theta) == pytest.approx(8.0 * f, rel=1e-13)
    lhs = theta @ m.gradient(theta)
    rhs = 3 * np.mean(np.sum((f - m.Y) * f, axis=1))
    assert lhs == pytest.approx(rhs, rel=1e-12)
    layer_rates = [theta[m.space.slice(f"W{l}")] @ m.gradient(theta)[m.space.slice(f"W{l}")] for l in (1, 2, 3)]
    np.testing.assert_allclose(layer_rates, rhs / 3, rtol=1e-10)     # each layer: the common rate E[∇ℓᵀf] (I7)
    assert eqalg.MLP(iris.X, iris.Y, 4, 2, "tanh", bias=False).homogeneity_degree is None


def test_output_jvp_matches_finite_differences():
    ds = eqalg.make_sequences(8, 4, 5, 3, 2, seed=0)
    models = [eqalg.BilinearAttention(ds.X, ds.Y, 2),
              eqalg.MLP(eqalg.load_iris().X, eqalg.load_iris().Y, [4, 3], 3, "tanh")]
    for m in models:
        rng = np.random.default_rng(5)
        theta = m.init_params(rng)
        v = rng.standard_normal(m.space.size)
        h = 1e-6
        fd = (m.output(theta + h * v) - m.output(theta - h * v)) / (2 * h)
        jvp = m.output_jvp(theta, v)
        assert np.linalg.norm(jvp - fd) <= 1e-7 * np.linalg.norm(jvp)
        batched = m.output_jvp(theta, np.stack([v, 2 * v], axis=1))       # (k, ...) as in Model.output_jvp
        np.testing.assert_allclose(batched[0], jvp, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(batched[1], 2 * jvp, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("model_class", [eqalg.MLP, eqalg.NormalizedMLP])
def test_output_vjp_and_output_hvp(model_class):
    """Model-level derivatives: Dfᵀw and ∇²(Σ w·f) v, against JVPs and finite differences."""
    iris = eqalg.load_iris()
    m = model_class(iris.X[:30], iris.Y[:30], [4, 3], 3, "tanh")
    rng = np.random.default_rng(9)
    theta = m.init_params(rng)
    w = rng.standard_normal((30, 3))
    v = rng.standard_normal(m.space.size)
    # ⟨Dfᵀw, v⟩ = ⟨w, Df v⟩
    assert m.output_vjp(theta, w) @ v == pytest.approx(np.sum(w * m.output_jvp(theta, v)), rel=1e-12)
    h = 1e-5
    fd = (m.output_vjp(theta + h * v, w) - m.output_vjp(theta - h * v, w)) / (2 * h)
    hv = m.output_hvp(theta, w, v)
    assert np.linalg.norm(hv - fd) <= 1e-7 * np.linalg.norm(hv)
    # the loss is (1/N) Σ ℓ(f_i, y_i): g = Dfᵀ ∇ℓ / N
    dl = m.output_loss.grad(m.output(theta), m.targets) / 30
    np.testing.assert_allclose(m.output_vjp(theta, dl), m.gradient(theta), rtol=1e-12, atol=1e-15)
    with pytest.raises(eqalg.errors.ShapeError, match="w"):
        m.output_vjp(theta, w[:3])


def test_deep_linear_balancedness_matches_charges():
    diabetes = eqalg.load_diabetes()
    m = eqalg.DeepLinear(diabetes.X, diabetes.Y, [3, 4], 3)
    theta = m.init_params(np.random.default_rng(6))
    gens = m.conserved_generators()
    assert len(gens) == 3 * 4 // 2 + 4 * 5 // 2
    for layer in (1, 2):
        C = m.balancedness(theta, layer)
        np.testing.assert_allclose(C, C.T)
        for name, t in gens.items():
            if name.startswith(f"C[{layer}]"):
                a, b = (int(x) for x in name.split("[")[2].rstrip("]").split(","))
                expected = C[a, b] if a != b else 0.5 * C[a, a]      # ½θᵀA_Mθ = ⟨M, C⟩/2
                assert t.quadratic_form(theta) == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_chunked_batched_hvp_equals_unchunked():
    rng = np.random.default_rng(8)
    X, Y = rng.standard_normal((30, 5)), np.eye(3)[rng.integers(0, 3, 30)]
    m = eqalg.MLP(X, Y, [6, 4], 3, "sigmoid", "cross_entropy")
    theta = m.init_params(rng)
    V = rng.standard_normal((m.space.size, 7))
    Ws, bs = m._layers(theta)
    dWs, dbs = split_layer_directions(m.space, V, 3)
    stack = DenseStack([m.act] * 2, m.out_loss)
    full = stack.hvp(Ws, bs, X, Y, dWs, dbs, chunk=7)
    for chunk in (1, 3):
        part = stack.hvp(Ws, bs, X, Y, dWs, dbs, chunk=chunk)
        for a, b in zip(full[0] + full[1], part[0] + part[1]):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


def test_depth_two_mlp_matches_reference_values_and_two_layer_mlp():
    """The dense-stack engine reproduces the stored reference derivatives and TwoLayerMLP exactly."""
    from pathlib import Path
    d = np.load(Path(__file__).parent / "data" / "mlp_tanh_small.npz")
    m = eqalg.MLP(d["X"], d["Y"], 8, 2, "tanh", "mse")
    assert m.loss(d["theta"]) == pytest.approx(float(d["loss"]), rel=1e-14)
    np.testing.assert_allclose(m.gradient(d["theta"]), d["grad"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m.hvp(d["theta"], d["v"]), d["hvp"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m.hessian(d["theta"]), d["hessian"], rtol=1e-12, atol=1e-14)
    rng = np.random.default_rng(10)
    iris = eqalg.load_iris()
    for activation in ("relu", "leaky_relu", "tanh", "linear", "sigmoid"):
        for loss in ("mse", "cross_entropy"):
            for bias in (True, False):
                a = eqalg.MLP(iris.X[:50], iris.Y[:50], 5, 2, activation, loss, bias=bias)
                b = eqalg.TwoLayerMLP(iris.X[:50], iris.Y[:50], 5, activation, loss, bias=bias)
                assert a.space == b.space
                theta = a.init_params(rng)
                V = rng.standard_normal((a.space.size, 3))
                np.testing.assert_allclose(a.gradient(theta), b.gradient(theta), rtol=1e-12, atol=1e-15)
                np.testing.assert_allclose(a.hvp(theta, V), b.hvp(theta, V), rtol=1e-11, atol=1e-14)


def test_mlp_bad_hyperparameters_raise():
    iris = eqalg.load_iris()
    with pytest.raises(eqalg.errors.InvalidValueError, match="depth"):
        eqalg.MLP(iris.X, iris.Y, 4, depth=1)
    with pytest.raises(eqalg.errors.InvalidValueError, match="hidden"):
        eqalg.MLP(iris.X, iris.Y, [4, 4], depth=2)
    with pytest.raises(eqalg.errors.UnknownNameError, match="activation"):
        eqalg.MLP(iris.X, iris.Y, 4, activation="gelu")
    with pytest.raises(eqalg.errors.ShapeError):
        eqalg.BilinearAttention(iris.X, iris.Y)
    with pytest.raises(eqalg.errors.ShapeError, match="theta"):
        eqalg.DeepLinear(iris.X, iris.Y).loss(np.zeros(3))


@pytest.mark.parametrize("name", ["sin", "square"])
def test_dense_stack_generic_activation_paths(name):
    """Activations without a fast path: σ''/σ' by division, or R{z} kept where σ' = 0 ≠ σ'' (z² at z = 0)."""
    from eqalg.models.functions import Activation, get_loss
    from eqalg.models.layers import join_layers
    act = {"sin": Activation("sin", np.sin, np.cos, lambda z: -np.sin(z)),
           "square": Activation("square", lambda z: z * z, lambda z: 2 * z, lambda z: 2 * np.ones_like(z))}[name]
    rng = np.random.default_rng(11)
    X = rng.standard_normal((20, 4))
    X[3] = 0.0                                   # z = 0 exactly for this sample (no biases)
    Y = rng.standard_normal((20, 2))
    stack = DenseStack([act, act], get_loss("mse"))
    space = eqalg.ParameterSpace([("W1", (5, 4)), ("W2", (3, 5)), ("W3", (2, 3))])
    theta = 0.5 * rng.standard_normal(space.size)

    def grad(th):
        Ws, bs = [space.unflatten(th)[f"W{l}"] for l in (1, 2, 3)], [None] * 3
        return join_layers(space, *stack.loss_and_gradient(Ws, bs, X, Y)[1:])

    V = rng.standard_normal((space.size, 3))
    Ws = [space.unflatten(theta)[f"W{l}"] for l in (1, 2, 3)]
    dWs, dbs = split_layer_directions(space, V, 3)
    HWs, Hbs = stack.hvp(Ws, [None] * 3, X, Y, dWs, dbs)
    hv = join_layers(space, HWs, Hbs, 3)
    if name == "square":
        assert stack.forward(Ws, [None] * 3, X, order=2).curvatures[0][0] == "keep"
    h = 1e-5
    fd = np.stack([(grad(theta + h * V[:, j]) - grad(theta - h * V[:, j])) / (2 * h) for j in range(3)], axis=1)
    assert np.linalg.norm(hv - fd) <= 1e-7 * np.linalg.norm(hv)


@pytest.mark.parametrize("bias", [True, False])
def test_softmax_output_derivatives_and_model_level_translation(bias):
    data = eqalg.load_wine()
    m = eqalg.SoftmaxRegression(data.X, data.Y, bias=bias)
    rng = np.random.default_rng(0)
    th = m.init_params(rng)
    V = rng.standard_normal((m.space.size, 3))
    W = rng.standard_normal(m.output(th).shape)
    # f is linear in θ: f(θ + v) − f(θ) = Df v exactly; ⟨w, Df v⟩ = ⟨Dfᵀ w, v⟩ (adjoint)
    for k in range(3):
        np.testing.assert_allclose(m.output(th + V[:, k]) - m.output(th), m.output_jvp(th, V[:, k]), atol=1e-12)
    np.testing.assert_allclose(np.einsum("knc,nc->k", m.output_jvp(th, V), W), V.T @ m.output_vjp(th, W), rtol=1e-12)
    assert not np.any(m.output_hvp(th, W, V))
    # (M1)–(M4) of the logit translation f ↦ f + s 1 (rate 1) hold; a feature swap is not output-invariant
    name = "translate_b" if bias else "translate_W[:,0]"
    E = eqalg.Equivariance(m.symmetries()[name], output=eqalg.ScalarMap.rate(0, 1 if bias else 0))
    if bias:
        for c in eqalg.derive(E):
            assert eqalg.evaluate(c, m, th, eqalg.Analytic()).status in ("holds", "trivial"), c.label
    ctrl = eqalg.Equivariance(m.controls()["permute_inputs[0,1]"], output=eqalg.ScalarMap.identity(continuous=False))
    m1f = [c for c in eqalg.derive(ctrl) if c.label == "M1f"][0]
    assert eqalg.evaluate(m1f, m, th, eqalg.Analytic()).status == "violated"
    with pytest.raises(eqalg.errors.ShapeError, match="w: expected output weights"):
        m.output_vjp(th, W[:, :1])


@pytest.mark.parametrize("n, d, hidden, o, depth", [(50, 4, 3, 2, 2), (50, 4, [3, 5], 2, 3), (30, 6, 4, 3, 4),
                                                    (5, 8, 4, 3, 3), (40, 1, 1, 1, 2)])
def test_deep_linear_moment_hvp_equals_r_operator(n, d, hidden, o, depth):
    """DeepLinear.hvp (through Σ = XᵀX/N, or the data when d > N) equals the dense R-operator."""
    from eqalg.models.deep_mlp import MLP
    rng = np.random.default_rng(n + d + depth)
    m = eqalg.DeepLinear(rng.standard_normal((n, d)), rng.standard_normal((n, o)), hidden, depth)
    assert (m._input_moment is None) == (d > n)
    theta = m.init_params(rng)
    V = rng.standard_normal((m.space.size, 5))
    reference = MLP._hvp(m, theta, V)                   # the generic forward-over-reverse pass
    scale = np.abs(reference).max()
    np.testing.assert_allclose(m.hvp(theta, V), reference, rtol=0, atol=1e-13 * scale)
    np.testing.assert_allclose(m.hvp(theta, V[:, 2]), reference[:, 2], rtol=0, atol=1e-13 * scale)
    # negative control: a perturbed θ gives a different Hessian
    assert np.abs(m.hvp(theta + 0.1, V) - reference).max() > 1e-3 * scale


@pytest.mark.parametrize("build", ["softmax", "softmax_nobias", "attention", "mlp"])
def test_batched_hvp_columns_equal_single_hvps(build):
    """The stacked-direction layouts of the batched HVPs: column j of H V is H v_j."""
    rng = np.random.default_rng(12)
    if build.startswith("softmax"):
        wine = eqalg.load_wine()
        m = eqalg.SoftmaxRegression(wine.X, wine.Y, bias=build == "softmax")
    elif build == "attention":
        ds = eqalg.make_sequences(6, 5, 4, 3, 2, seed=1)
        m = eqalg.BilinearAttention(ds.X, ds.Y, 2)
    else:
        iris = eqalg.load_iris()
        m = eqalg.MLP(iris.X, iris.Y, [5, 4], 3, "tanh", "cross_entropy")
    theta = m.init_params(rng)
    V = rng.standard_normal((m.space.size, 4))
    HV = m.hvp(theta, V)
    assert HV.shape == V.shape
    for j in range(4):
        np.testing.assert_allclose(HV[:, j], m.hvp(theta, V[:, j]), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(m.hvp(theta, V[:, [1, 0]]), HV[:, [1, 0]], rtol=1e-12, atol=1e-14)


def test_rows_to_columns_is_the_transpose():
    from eqalg.models.layers import rows_to_columns
    rng = np.random.default_rng(0)
    for shape in [(1, 1), (511, 3), (512, 2), (1537, 5)]:
        M = rng.standard_normal(shape)
        T = rows_to_columns(M)
        assert T.flags.c_contiguous
        np.testing.assert_array_equal(T, M.T)
        np.testing.assert_array_equal(rows_to_columns(M[:, ::-1]), M[:, ::-1].T)


@pytest.mark.parametrize("build", ["mlp3", "sigmoid", "normalized", "mlp3_nobias"])
def test_logit_translations_of_deep_cross_entropy_networks(build):
    """W_L ↦ W_L + 1vᵀ, b_L ↦ b_L + a1 leave softmax cross-entropy unchanged: gᵀc = 0, Hc = 0 (L7)."""
    iris = eqalg.load_iris()
    models = {"mlp3": lambda loss: eqalg.MLP(iris.X, iris.Y, [5, 4], 3, "tanh", loss),
              "mlp3_nobias": lambda loss: eqalg.MLP(iris.X, iris.Y, [5, 4], 3, "relu", loss, bias=False),
              "sigmoid": lambda loss: eqalg.SigmoidMLP(iris.X, iris.Y, 4, 2, loss),
              "normalized": lambda loss: eqalg.NormalizedMLP(iris.X, iris.Y, [4, 3], 3, "tanh", loss)}
    m = models[build]("cross_entropy")
    L = m.depth
    trans = m.softmax_translations()
    assert len(trans) == m.widths[-2] + m.bias
    assert set(trans) <= set(m.symmetries()) and set(trans) <= set(m.conserved_generators())
    rng = np.random.default_rng(3)
    for _ in range(2):
        theta = m.init_params(rng)
        g = m.gradient(theta)
        for t in trans.values():
            c = t.generator(theta)
            assert np.count_nonzero(c) == (m.widths[-1])
            assert abs(g @ c) <= 1e-13 * np.linalg.norm(g) * np.linalg.norm(c)
            assert np.linalg.norm(m.hvp(theta, c)) <= 1e-12 * np.linalg.norm(m.hessian(theta))
            assert m.loss(theta + 0.7 * c) == pytest.approx(m.loss(theta), rel=1e-12)
    # negative controls: with the squared loss the same translations change the loss, and the
    # catalogue does not contain them; translating a hidden layer's column changes it too
    mse = models[build]("mse")
    assert mse.softmax_translations() == {} and not any(n.startswith("translate") for n in mse.symmetries())
    theta = mse.init_params(rng)
    c = np.zeros(mse.space.size)
    c[mse.space.slice(f"W{L}")] = mse.space.indicator(mse.space[f"W{L}"][:, 0])[mse.space.slice(f"W{L}")]
    assert abs(mse.gradient(theta) @ c) > 1e-6
    hidden = m.space.indicator(m.space[f"W{L - 1}"][:, 0])
    theta = m.init_params(rng)
    assert abs(m.loss(theta + 0.7 * hidden) - m.loss(theta)) > 1e-6
