"""The transformation algebra: typed continuous and discrete transformations and their verbs."""

from .base import ContinuousTransformation, DiscreteTransformation, Transformation, act, compose, inverse, power
from .discrete import MatrixMap, SignedPermutation
from .linear import LinearGenerator

__all__ = ["Transformation", "ContinuousTransformation", "DiscreteTransformation", "LinearGenerator",
           "SignedPermutation", "MatrixMap", "compose", "inverse", "act", "power"]

# Finite groups from generators, subgroup lattices, representations on parameter space.
from .families import (alternating_group, cyclic_group, dihedral_group, direct_product,  # noqa: E402
                       hyperoctahedral_group, symmetric_group)
from .finite import ConjugacyClass, ElementList, FiniteGroup, GroupElement, GroupMismatchError  # noqa: E402
from .representations import (BlockRepresentation, FixedSubspace, IsotropyLattice, IsotropyType,  # noqa: E402
                              MatrixRepresentation, Representation, natural_representation)
from .subgroups import SubgroupClass, SubgroupLattice  # noqa: E402

__all__ += ["FiniteGroup", "GroupElement", "ElementList", "ConjugacyClass", "GroupMismatchError",
            "cyclic_group", "dihedral_group", "symmetric_group", "alternating_group", "hyperoctahedral_group",
            "direct_product", "SubgroupLattice", "SubgroupClass", "Representation", "BlockRepresentation",
            "MatrixRepresentation", "FixedSubspace", "IsotropyType", "IsotropyLattice", "natural_representation"]
