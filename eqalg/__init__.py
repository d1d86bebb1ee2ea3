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
['L1', 'L2', 'I0']
>>> eqalg.evaluate(eqalg.derive(A)[1], model, theta, eqalg.Analytic()).passed
True
"""

from . import testing
from .backends import Analytic, Backend, Estimate, FiniteDifference
from .constraints import (CheckResult, Constraint, FiniteGradient, FiniteHessian, InfinitesimalGradient,
                          InfinitesimalHessian, derive, evaluate)
from .constraints_model import (CoupledGradient, CoupledHessian, FiniteOutputGradient, FiniteOutputHessian,
                                FixedPointGradient, FlowGradient, FlowHessian, OutputGradient, OutputHessian,
                                OutputRateGradient, OutputRateHessian, SymmetricPointHessian, fixed_point_constraints)
from .datasets import Dataset, load_dataset, load_diabetes, load_iris, load_wine
from .dynamics import (SGD, Adam, HeavyBall, Optimizer, RMSProp, SignGD, Trajectory, commutation_residual,
                       gradient_descent, optimizer_commutes, run_optimizer)
from .models import CountingModel, MatrixFactorization, Model, SoftmaxRegression, TwoLayerMLP
from .predictions import (AffineQuantity, ConservationCount, LinearQuantity, QuadraticQuantity,
                          conservation_law_count, conserved_quantities, conserved_quantity)
from .predictions.conservation import RateLawQuantity, homogeneity_norm_law, rate_law_quantity
from .models import ZOO, BilinearAttention, CallableModel, DeepLinear, MLP, NormalizedMLP, SigmoidMLP, build_model
from .datasets import load_csv, make_lowrank_sensing, make_sequences, make_teacher_student
from .report import Report, check
from .space import ParameterSpace
from .transforms import (BlockRepresentation, ClosureEvidence, ContinuousEquivariance, ContinuousTransformation,
                         DiscreteEquivariance, DiscreteTransformation, Equivariance, ExpMap, FiniteGroup,
                         FixedSubspace, GroupElement, InputMap, IsotropyLattice, LieAlgebra, LinearGenerator,
                         LinearOutputMap, MatrixMap, MatrixRepresentation, RankDecision, Representation, ScalarMap,
                         SignedPermutation, SubgroupLattice, Transformation, VectorField, act, alternating_group,
                         bracket, compose, conjugate, cyclic_group, dihedral_group, direct_product, exp, flow,
                         hyperoctahedral_group, inverse, natural_representation, power, symmetric_group,
                         vector_field_bracket)

__version__ = "0.1.0"

__all__ = [
    "ParameterSpace",
    # transformations and the algebra
    "Transformation", "ContinuousTransformation", "DiscreteTransformation", "LinearGenerator",
    "SignedPermutation", "MatrixMap", "compose", "inverse", "act", "power",
    "VectorField", "bracket", "vector_field_bracket", "conjugate", "exp", "ExpMap",
    "LieAlgebra", "ClosureEvidence", "RankDecision",
    # equivariances
    "Equivariance", "ContinuousEquivariance", "DiscreteEquivariance", "ScalarMap", "LinearOutputMap", "InputMap",
    "flow",
    # finite groups
    "FiniteGroup", "GroupElement", "SubgroupLattice", "Representation", "BlockRepresentation",
    "MatrixRepresentation", "FixedSubspace", "IsotropyLattice", "natural_representation",
    "cyclic_group", "dihedral_group", "symmetric_group", "alternating_group", "hyperoctahedral_group",
    "direct_product",
    # constraints and evaluation
    "Constraint", "InfinitesimalGradient", "InfinitesimalHessian", "FiniteGradient", "FiniteHessian",
    "OutputGradient", "OutputHessian", "OutputRateGradient", "OutputRateHessian", "FiniteOutputGradient",
    "FiniteOutputHessian", "FlowGradient", "FlowHessian", "CoupledGradient", "CoupledHessian",
    "FixedPointGradient", "SymmetricPointHessian", "fixed_point_constraints",
    "CheckResult", "derive", "evaluate", "check", "Report",
    "Backend", "Estimate", "Analytic", "FiniteDifference",
    # models and data
    "Model", "CountingModel", "TwoLayerMLP", "MatrixFactorization", "SoftmaxRegression",
    "Dataset", "load_iris", "load_wine", "load_diabetes", "load_dataset",
    # dynamics and predictions
    "gradient_descent", "Trajectory",
    "Optimizer", "SGD", "HeavyBall", "Adam", "RMSProp", "SignGD", "run_optimizer", "optimizer_commutes",
    "commutation_residual",
    "QuadraticQuantity", "LinearQuantity", "AffineQuantity", "conserved_quantity", "conserved_quantities",
    "RateLawQuantity", "rate_law_quantity", "homogeneity_norm_law",
    "conservation_law_count", "ConservationCount",
    "testing",
    "MLP", "DeepLinear", "SigmoidMLP", "NormalizedMLP", "BilinearAttention", "CallableModel", "ZOO", "build_model",
    "load_csv", "make_teacher_student", "make_lowrank_sensing", "make_sequences",
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
