"""The exact maths of the concept demos, in plain numpy.

Every op equals Keras 3 (TensorFlow backend) for the same parameters; the
traces in :mod:`visualizer.ops.trace` break each op into the steps the demos
draw. Nothing here imports Qt, TensorFlow or Keras.
"""

from .conv import conv2d
from .pooling import PoolResult, pool2d
from .trace import conv_trace, format_sum, pool_trace, transpose_conv_trace, transpose_scatter_trace
from .transposed import conv2d_transpose, conv2d_transpose_as_conv, conv2d_transpose_scatter

__all__ = [
    "PoolResult",
    "conv2d",
    "conv2d_transpose",
    "conv2d_transpose_as_conv",
    "conv2d_transpose_scatter",
    "conv_trace",
    "format_sum",
    "pool2d",
    "pool_trace",
    "transpose_conv_trace",
    "transpose_scatter_trace",
]
