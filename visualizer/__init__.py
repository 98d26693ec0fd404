"""CNN Visualizer: watch convolutional neural networks work.

Importing the package must stay cheap: no Qt, no TensorFlow.
"""

__version__ = "0.1.0"
