"""Models with analytic derivatives and symmetry catalogues, and the model zoo (:mod:`.zoo`)."""

from .base import CountingModel, Model
from .functions import ACTIVATIONS, LOSSES, Activation, OutputLoss, get_activation, get_loss
from .factorization import MatrixFactorization
from .mlp import TwoLayerMLP
from .softmax import SoftmaxRegression
from .deep_mlp import MLP
from .deep_linear import DeepLinear
from .sigmoid import SigmoidMLP
from .normalized import NormalizedMLP
from .attention import BilinearAttention
from .callable import CallableModel
from .zoo import ZOO, ZooEntry, build_model, get_entry

__all__ = ["Model", "CountingModel", "TwoLayerMLP", "MatrixFactorization", "SoftmaxRegression", "Activation", "OutputLoss", "ACTIVATIONS", "LOSSES",
           "get_activation", "get_loss",
           "MLP", "DeepLinear", "SigmoidMLP", "NormalizedMLP", "BilinearAttention", "CallableModel",
           "ZOO", "ZooEntry", "build_model", "get_entry"]
