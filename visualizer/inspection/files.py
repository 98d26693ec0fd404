"""What a model file holds, checked before Keras reads it, so that every bad file gets a reason in
words: empty, cut short, random bytes, a zip or HDF5 file that holds no model, text renamed to
``.keras``, or a model holding Python code (a Lambda layer) that would run when it is loaded.

Only the standard library and h5py (which Keras needs anyway) are used here.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

ZIP_MAGIC = b"PK\x03\x04"
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
KERAS_FORMAT = "keras"
H5_FORMAT = "h5"
_SUFFIXES = {KERAS_FORMAT: (".keras",), H5_FORMAT: (".h5", ".hdf5")}


class ModelFileError(Exception):
    """A model file that cannot be used, with a message for people that names the file and says
    what is wrong. ``reason`` is that message without the file name."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path.name}: {reason}")


class UnsafeModelError(ModelFileError):
    """The model holds Python code (a Lambda layer) that can run arbitrary code when loaded.
    It is loaded only when the caller says so with ``unsafe=True``, after asking the user."""

    def __init__(self, path: str | Path, layer_names: list[str]) -> None:
        self.layer_names = tuple(layer_names)
        names = ", ".join(layer_names) or "a Lambda layer"
        super().__init__(
            path,
            f"the model holds Python code ({names}) that can run arbitrary code on this computer "
            "when the model is loaded. Load it only if you trust where the file came from.",
        )


def check_model_file(path: str | Path) -> tuple[str, dict]:
    """The file's format (KERAS_FORMAT or H5_FORMAT) and its model configuration, or a
    ModelFileError saying in words why the file holds no loadable model."""
    path = Path(path)
    if not path.is_file():
        reason = "is a folder, not a model file" if path.is_dir() else "no such file"
        raise ModelFileError(path, reason)
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            head = stream.read(512)
    except OSError as error:
        raise ModelFileError(path, f"the file cannot be read ({error.strerror or error})") from None
    if size == 0:
        raise ModelFileError(path, "the file is empty (0 bytes)")
    if head.startswith(ZIP_MAGIC):
        file_format, config = KERAS_FORMAT, _keras_archive_config(path)
    elif head.startswith(HDF5_MAGIC):
        file_format, config = H5_FORMAT, _h5_config(path)
    elif _looks_like_text(head):
        raise ModelFileError(path, "this is a text file, not a saved Keras model")
    else:
        raise ModelFileError(
            path, "this is not a Keras model file: it is neither a .keras archive nor a legacy .h5 file"
        )
    if path.suffix.lower() not in _SUFFIXES[file_format]:
        raise ModelFileError(
            path,
            f"this holds a {'.keras archive' if file_format == KERAS_FORMAT else 'legacy .h5 model'} "
            f"but is named {path.suffix or 'without a suffix'}: rename it to end in {_SUFFIXES[file_format][0]}",
        )
    return file_format, config


def lambda_layer_names(config) -> list[str]:
    """The names of every Lambda layer anywhere in a model configuration, nested models included."""
    found: list[str] = []
    if isinstance(config, dict):
        if config.get("class_name") == "Lambda":
            found.append(str((config.get("config") or {}).get("name", "Lambda")))
        for value in config.values():
            found += lambda_layer_names(value)
    elif isinstance(config, list):
        for value in config:
            found += lambda_layer_names(value)
    return found


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start > len(head) - 4  # a character cut in two at the end of the sample
    return True


def _keras_archive_config(path: Path) -> dict:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "config.json" not in names:
                raise ModelFileError(path, "this zip archive is not a Keras model: it has no config.json")
            if "model.weights.h5" not in names:
                raise ModelFileError(path, "this Keras archive holds no weights (model.weights.h5 is missing)")
            damaged = archive.testzip()
            if damaged is not None:
                raise ModelFileError(path, f"the file is damaged: {damaged} inside it fails its checksum")
            return _parse_config(path, archive.read("config.json"))
    except OSError as error:
        raise ModelFileError(path, f"the file cannot be read ({error.strerror or error})") from None
    except zipfile.BadZipFile:
        raise ModelFileError(
            path,
            "the file is cut short or damaged: it starts as a .keras archive but its end is missing "
            "(was it copied or downloaded completely?)",
        ) from None


def _h5_config(path: Path) -> dict:
    import h5py

    try:
        with h5py.File(path, "r") as h5:
            raw = h5.attrs.get("model_config")
            has_weights = "model_weights" in h5 or "layer_names" in h5.attrs or "layers" in h5 or "vars" in h5
    except OSError:
        raise ModelFileError(
            path,
            "the file is cut short or damaged: it starts as an .h5 file but cannot be read "
            "(was it copied or downloaded completely?)",
        ) from None
    if raw is None:
        if has_weights or path.name.endswith(".weights.h5"):
            raise ModelFileError(
                path,
                "this .h5 file holds only weights (saved with save_weights), not a model: "
                "save the whole model with model.save() and open that",
            )
        raise ModelFileError(path, "this HDF5 file holds no Keras model")
    return _parse_config(path, raw)


def _parse_config(path: Path, raw) -> dict:
    try:
        config = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (UnicodeDecodeError, ValueError):
        raise ModelFileError(path, "the model's configuration inside the file is damaged") from None
    if not isinstance(config, dict):
        raise ModelFileError(path, "the model's configuration inside the file is damaged")
    return config
