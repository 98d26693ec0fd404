"""The model inspector's core: open any Keras image classifier and read what it does and why.

Keras, no Qt, and no TensorFlow at import time: Keras is imported inside the functions that
need it, so that the app opens without TensorFlow and a child process can choose the backend.
"""
