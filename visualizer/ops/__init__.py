"""The exact maths of the concept demos and the network's layers, in plain numpy.

Every op equals Keras 3 (TensorFlow backend) for the same parameters; the
traces in :mod:`visualizer.ops.trace` break each op into the steps the demos
draw. Nothing here imports Qt, TensorFlow or Keras.
"""

from .activations import (
    apply_dropout,
    dropout,
    dropout_mask,
    flatten,
    flatten_index,
    relu,
    softmax,
    unflatten_index,
)
from .conv import conv2d
from .pooling import PoolResult, pool2d
from .trace import (
    conv_trace,
    format_sum,
    pool_trace,
    transpose_conv_trace,
    transpose_scatter_trace,
)
from .transposed import (
    conv2d_transpose,
    conv2d_transpose_as_conv,
    conv2d_transpose_scatter,
)

__all__ = [
    "PoolResult",
    "apply_dropout",
    "conv2d",
    "conv2d_transpose",
    "conv2d_transpose_as_conv",
    "conv2d_transpose_scatter",
    "conv_trace",
    "dropout",
    "dropout_mask",
    "flatten",
    "flatten_index",
    "format_sum",
    "pool2d",
    "pool_trace",
    "relu",
    "softmax",
    "transpose_conv_trace",
    "transpose_scatter_trace",
    "unflatten_index",
]
