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
from .predictions import LinearQuantity, QuadraticQuantity, conserved_quantity
from .report import Report, check
from .space import ParameterSpace
from .transforms import (ContinuousTransformation, DiscreteTransformation, LinearGenerator, MatrixMap,
                         SignedPermutation, Transformation, act, compose, inverse, power)

from .constraints_model import (CoupledGradient, CoupledHessian, FiniteOutputGradient, FiniteOutputHessian,
                                FixedPointGradient, FlowGradient, FlowHessian, OutputGradient, OutputHessian,
                                OutputRateGradient, OutputRateHessian, SymmetricPointHessian, fixed_point_constraints)
from .dynamics import (SGD, Adam, HeavyBall, Optimizer, RMSProp, SignGD, commutation_residual, optimizer_commutes,
                       run_optimizer)
from .predictions.conservation import RateLawQuantity, homogeneity_norm_law, rate_law_quantity
from .transforms import (ContinuousEquivariance, DiscreteEquivariance, Equivariance, InputMap, LinearOutputMap,
                         ScalarMap, flow)

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
    "Equivariance", "ContinuousEquivariance", "DiscreteEquivariance", "ScalarMap", "LinearOutputMap", "InputMap",
    "flow",
    "OutputGradient", "OutputHessian", "OutputRateGradient", "OutputRateHessian", "FiniteOutputGradient",
    "FiniteOutputHessian", "FlowGradient", "FlowHessian", "CoupledGradient", "CoupledHessian",
    "FixedPointGradient", "SymmetricPointHessian", "fixed_point_constraints",
    "RateLawQuantity", "rate_law_quantity", "homogeneity_norm_law",
    "Optimizer", "SGD", "HeavyBall", "Adam", "RMSProp", "SignGD", "run_optimizer", "optimizer_commutes",
    "commutation_residual",
]

# Finite groups (subgroup lattices, representations on parameter space) and conformance checks.
from . import testing  # noqa: E402
from .transforms import (BlockRepresentation, FiniteGroup, FixedSubspace, GroupElement,  # noqa: E402
                         IsotropyLattice, MatrixRepresentation, Representation, SubgroupLattice, alternating_group,
                         cyclic_group, dihedral_group, direct_product, hyperoctahedral_group, natural_representation,
                         symmetric_group)

__all__ += [
    "FiniteGroup", "GroupElement", "SubgroupLattice", "Representation", "BlockRepresentation",
    "MatrixRepresentation", "FixedSubspace", "IsotropyLattice", "natural_representation",
    "cyclic_group", "dihedral_group", "symmetric_group", "alternating_group", "hyperoctahedral_group",
    "direct_product", "testing",
]

# Symmetric points: isotypic decomposition, Hessian block structure, invariance of Fix(K) (MATH.md B6 (D3)-(D5)).
from .predictions.symmetric_points import (FixedSetInvariance, HessianBlockReport, fixed_set_invariance,  # noqa: E402
                                           hessian_block_report, point_stabilizer)
from .transforms import (EigenClusters, IsotypicComponent, IsotypicDecomposition, NotOrthogonalError,  # noqa: E402
                         cluster_eigenvalues, commutant_average, isotypic_decomposition)

__all__ += [
    "isotypic_decomposition", "IsotypicDecomposition", "IsotypicComponent", "commutant_average",
    "cluster_eigenvalues", "EigenClusters", "NotOrthogonalError",
    "hessian_block_report", "HessianBlockReport", "point_stabilizer", "fixed_set_invariance", "FixedSetInvariance",
]
