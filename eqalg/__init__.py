"""eqalg: symmetries and equivariances of neural-network parameters as checkable mathematics.

Built on Yang & Ziyin, "An Equivariance Toolbox for Learning Dynamics" (arXiv:2512.21447, 2025)
and the results it unifies; the identities are catalogued with labels (I1), (L2), (D1), (T1), ...
in the project's MATH.md and cited by those labels in docstrings.

Quick tour
----------
>>> import numpy as np, eqalg
>>> data = eqalg.load_iris()
>>> model = eqalg.TwoLayerMLP(data.X, data.Y, hidden=4, activation="relu", loss="cross_entropy")
>>> theta = model.init_params(np.random.default_rng(0))
>>> A = model.symmetries()["rescale[0]"]
>>> [c.label for c in eqalg.derive(A)]
['L1', 'L2']
>>> eqalg.evaluate(eqalg.derive(A)[1], model, theta, eqalg.Analytic()).passed
True
"""

from .backends import Analytic, Backend, Estimate, FiniteDifference
from .constraints import (CheckResult, Constraint, FiniteGradient, FiniteHessian, InfinitesimalGradient,
                          InfinitesimalHessian, derive, evaluate)
from .datasets import Dataset, load_dataset, load_diabetes, load_iris, load_wine
from .dynamics import Trajectory, gradient_descent
from .models import CountingModel, MatrixFactorization, Model, SoftmaxRegression, TwoLayerMLP
from .models import ZOO, BilinearAttention, CallableModel, DeepLinear, MLP, NormalizedMLP, SigmoidMLP, build_model
from .datasets import load_csv, make_lowrank_sensing, make_sequences, make_teacher_student
from .predictions import LinearQuantity, QuadraticQuantity, conserved_quantity
from .report import Report, check
from .space import ParameterSpace
from .transforms import (ContinuousTransformation, DiscreteTransformation, LinearGenerator, MatrixMap,
                         SignedPermutation, Transformation, act, compose, inverse, power)

__version__ = "0.1.0"

__all__ = [
    "ParameterSpace",
    "Transformation", "ContinuousTransformation", "DiscreteTransformation", "LinearGenerator",
    "SignedPermutation", "MatrixMap", "compose", "inverse", "act", "power",
    "Constraint", "InfinitesimalGradient", "InfinitesimalHessian", "FiniteGradient", "FiniteHessian",
    "CheckResult", "derive", "evaluate",
    "Backend", "Estimate", "Analytic", "FiniteDifference",
    "Model", "CountingModel", "TwoLayerMLP", "MatrixFactorization", "SoftmaxRegression",
    "Dataset", "load_iris", "load_wine", "load_diabetes", "load_dataset",
    "gradient_descent", "Trajectory",
    "QuadraticQuantity", "LinearQuantity", "conserved_quantity",
    "check", "Report",
    "MLP", "DeepLinear", "SigmoidMLP", "NormalizedMLP", "BilinearAttention", "CallableModel", "ZOO", "build_model",
    "load_csv", "make_teacher_student", "make_lowrank_sensing", "make_sequences",
]
