"""The transformation algebra: typed continuous and discrete transformations, Lie algebras,
equivariances, finite groups and their representations on parameter space, and the generic verbs."""

from .base import ContinuousTransformation, DiscreteTransformation, Transformation, act, compose, inverse, power
from .brackets import bracket, conjugate, vector_field_bracket
from .discrete import MatrixMap, SignedPermutation
from .equivariance import ContinuousEquivariance, DiscreteEquivariance, Equivariance, GeneratorCombination, flow
from .exponential import ExpMap, exp
from .families import (alternating_group, cyclic_group, dihedral_group, direct_product, hyperoctahedral_group,
                       symmetric_group)
from .finite import ConjugacyClass, ElementList, FiniteGroup, GroupElement, GroupMismatchError
from .lie import ClosureEvidence, LieAlgebra, RankDecision
from .linear import LinearGenerator
from .maps import InputMap, LinearOutputMap, OutputMap, ScalarMap
from .representations import (BlockRepresentation, FixedSubspace, IsotropyLattice, IsotropyType,
                              MatrixRepresentation, Representation, natural_representation)
from .subgroups import SubgroupClass, SubgroupLattice
from .vector_field import VectorField

__all__ = ["Transformation", "ContinuousTransformation", "DiscreteTransformation", "LinearGenerator",
           "SignedPermutation", "MatrixMap", "compose", "inverse", "act", "power",
           "VectorField", "bracket", "vector_field_bracket", "conjugate", "exp", "ExpMap",
           "LieAlgebra", "ClosureEvidence", "RankDecision",
           "OutputMap", "ScalarMap", "LinearOutputMap", "InputMap", "Equivariance", "ContinuousEquivariance",
           "DiscreteEquivariance", "GeneratorCombination", "flow",
           "FiniteGroup", "GroupElement", "ElementList", "ConjugacyClass", "GroupMismatchError",
           "cyclic_group", "dihedral_group", "symmetric_group", "alternating_group", "hyperoctahedral_group",
           "direct_product", "SubgroupLattice", "SubgroupClass", "Representation", "BlockRepresentation",
           "MatrixRepresentation", "FixedSubspace", "IsotropyType", "IsotropyLattice", "natural_representation"]

# Isotypic decomposition and commutant averages (symmetric-point structure, MATH.md B6 (D5)).
from .commutant import (EigenClusters, NotOrthogonalError, cluster_eigenvalues, commutant_average,  # noqa: E402
                        multiplicity_pattern)
from .isotypic import IsotypicComponent, IsotypicDecomposition, IsotypicEvidence, isotypic_decomposition  # noqa: E402

__all__ += ["isotypic_decomposition", "IsotypicDecomposition", "IsotypicComponent", "IsotypicEvidence",
            "commutant_average", "cluster_eigenvalues", "EigenClusters", "multiplicity_pattern", "NotOrthogonalError"]
