"""Reading a pickle that may come from anywhere, allowing it to build nothing but plain data.

CIFAR-10's "Python version" is a set of pickled dicts. An ordinary unpickler runs whatever a
pickle names (``os.system`` is one line away), so a file in a user's folder is read here with an
unpickler whose only importable names are those a numpy array needs: dicts, lists, bytes, str and
int are built by the pickle's own opcodes and need none. Anything else is refused in words.
"""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import numpy as np

try:  # numpy 2 moved the array's rebuilders; files written by numpy 1 still name the old places
    from numpy._core.multiarray import _reconstruct
    from numpy._core.numeric import _frombuffer
except ImportError:  # numpy 1
    from numpy.core.multiarray import _reconstruct
    from numpy.core.numeric import _frombuffer

class UnsafePickleError(pickle.UnpicklingError):
    """The pickle asked to build something other than numpy arrays and plain data."""


def _bytes_from_latin1(text: str, encoding: str) -> bytes:
    """What pickle protocol 2 calls to rebuild bytes (``_codecs.encode(text, "latin1")``), limited to that codec."""
    if encoding not in ("latin1", "latin-1"):
        raise UnsafePickleError(f"it asks to encode text with {encoding!r}, which a data file never needs")
    return text.encode("latin1")


# The only globals a pickle may name: what numpy's ndarray.__reduce__ writes (under either
# module name; _frombuffer for protocol 5), and the bytes rebuilder of protocol 2.
_ALLOWED = {
    ("_codecs", "encode"): _bytes_from_latin1,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy.core.numeric", "_frombuffer"): _frombuffer,
    ("numpy._core.numeric", "_frombuffer"): _frombuffer,
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}


class _NumpyOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        allowed = _ALLOWED.get((module, name))
        if allowed is None:
            raise UnsafePickleError(f"it asks to run or build {module}.{name}, which a data file never needs")
        return allowed

    def persistent_load(self, pid):
        raise UnsafePickleError("it refers to objects outside the file")


def load_plain_pickle(path: str | os.PathLike[str]):
    """The object pickled in ``path``, built only from numpy arrays, dicts, lists, tuples, bytes,
    str, int, float and None. Strings written by Python 2 come back as bytes (as Keras reads
    CIFAR-10). Raises UnsafePickleError for a pickle that names anything else, before building it."""
    raw = Path(path).read_bytes()
    return _NumpyOnlyUnpickler(io.BytesIO(raw), encoding="bytes").load()
