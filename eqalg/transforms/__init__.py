"""The transformation algebra: typed continuous and discrete transformations and their verbs."""

from .base import ContinuousTransformation, DiscreteTransformation, Transformation, act, compose, inverse, power
from .brackets import bracket, conjugate, vector_field_bracket
from .discrete import MatrixMap, SignedPermutation
from .exponential import ExpMap, exp
from .lie import ClosureEvidence, LieAlgebra, RankDecision
from .linear import LinearGenerator
from .vector_field import VectorField

__all__ = ["Transformation", "ContinuousTransformation", "DiscreteTransformation", "LinearGenerator",
           "SignedPermutation", "MatrixMap", "compose", "inverse", "act", "power",
           "VectorField", "bracket", "vector_field_bracket", "conjugate", "exp", "ExpMap",
           "LieAlgebra", "ClosureEvidence", "RankDecision"]
