"""The transformation algebra: typed continuous and discrete transformations and their verbs."""

from .base import ContinuousTransformation, DiscreteTransformation, Transformation, act, compose, inverse, power
from .discrete import MatrixMap, SignedPermutation
from .linear import LinearGenerator
from .maps import InputMap, LinearOutputMap, OutputMap, ScalarMap
from .equivariance import ContinuousEquivariance, DiscreteEquivariance, Equivariance, GeneratorCombination, flow

__all__ = ["Transformation", "ContinuousTransformation", "DiscreteTransformation", "LinearGenerator",
           "SignedPermutation", "MatrixMap", "compose", "inverse", "act", "power",
           "OutputMap", "ScalarMap", "LinearOutputMap", "InputMap", "Equivariance", "ContinuousEquivariance",
           "DiscreteEquivariance", "GeneratorCombination", "flow"]
