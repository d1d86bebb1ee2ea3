"""The transformation algebra: typed continuous and discrete transformations and their verbs."""

from .base import ContinuousTransformation, DiscreteTransformation, Transformation, act, compose, inverse, power
from .discrete import MatrixMap, SignedPermutation
from .linear import LinearGenerator

__all__ = ["Transformation", "ContinuousTransformation", "DiscreteTransformation", "LinearGenerator",
           "SignedPermutation", "MatrixMap", "compose", "inverse", "act", "power"]
