"""The stream's messages on the wire: a training event (events.py) as signed frames, and back.

A message is a list of frames: ``[signature, header, buffer, buffer, ...]``. The header is UTF-8
JSON: the format version, the run's id, the message's sequence number in its run, how many of the
run's curve events the sender had to give up (``lost``), the event's type, its fields, and for
each buffer its dtype and shape. An array field is written in ``fields`` as ``{"$array": i}`` (the
i-th buffer), a nested event (a LayerMaps inside a ProbeSnapshot) as ``{"$event": type, "fields":
...}``, a tuple as a JSON list. The signature is the hex HMAC-SHA256, under the connection's key,
of every frame after it, each preceded by its length, so that no frame's bytes can be moved into
its neighbour.

Decoding trusts nothing before the signature is checked (with hmac.compare_digest), and nothing
after it beyond what is declared: dtypes come from a short list, every declared size is computed
and checked against the buffer's length and a size limit before numpy sees the bytes, arrays are
read-only views of the received frames (nothing is allocated for them), and nothing is unpickled.
Only the event types named in EVENT_TYPES can be built, with exactly their declared fields.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import math
import re

import numpy as np

from visualizer.training import events

FORMAT_VERSION = 1
MAX_MESSAGE_BYTES = 64 * 1024 * 1024  # a probe snapshot of a large model is a few MB
MAX_HEADER_BYTES = 1024 * 1024
MAX_BUFFERS = 256
MAX_DIMENSIONS = 8
MAX_NESTING = 4  # a ProbeSnapshot holds LayerMaps: two levels are used

DTYPES = {name: np.dtype(name).newbyteorder("<") for name in ("uint8", "uint16", "float16", "float32", "float64", "int32", "int64")}

EVENT_TYPES = {
    cls.__name__: cls
    for cls in (
        events.Status,
        events.RunStarted,
        events.BatchEnd,
        events.EpochEnd,
        events.ProbeSnapshot,
        events.LayerMaps,
        events.LayerKernels,
        events.ConfusionSample,
        events.EpochConfusion,
        events.AutosaveOff,
        events.RunFinished,
        events.RunFailed,
        events.WindowRequest,
    )
}

_RUN_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
_SIGNATURE_LENGTH = 64  # hex SHA-256


class Dropped(Exception):
    """A received message that is not delivered; ``reason`` is the counter it adds to."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class StreamMessage:
    """An event as it arrived, with the run that sent it (several runs may be connected at once),
    its sequence number in that run, and how many curve events the run had lost before it."""

    run_id: str
    seq: int
    lost: int
    event: object


def sign(key: bytes, frames) -> bytes:
    digest = hmac.new(key, digestmod=hashlib.sha256)
    for frame in frames:
        digest.update(len(frame).to_bytes(8, "big"))
        digest.update(frame)
    return digest.hexdigest().encode("ascii")


def new_key() -> str:
    import secrets

    return secrets.token_hex(32)


# Encoding


def encode(event, key: bytes, *, run_id: str, seq: int, lost: int = 0) -> list:
    """The frames of ``event`` (a dataclass from events.py): ``[signature, header, *buffers]``.
    The buffers are the event's own read-only arrays where they are already little-endian and
    contiguous, so nothing large is copied."""
    buffers: list[np.ndarray] = []
    header = {
        "v": FORMAT_VERSION,
        "run": run_id,
        "seq": seq,
        "lost": lost,
        "type": _event_name(event),
        "fields": _encode_fields(event, buffers),
        "buffers": [{"dtype": _dtype_name(array), "shape": list(array.shape)} for array in buffers],
    }
    frames = [json.dumps(header, separators=(",", ":")).encode("utf-8"), *(memoryview(array.reshape(-1)).cast("B") for array in buffers)]
    return [sign(key, frames), *frames]


def message_size(frames) -> int:
    return sum(len(frame) for frame in frames)


def _event_name(event) -> str:
    name = type(event).__name__
    if EVENT_TYPES.get(name) is not type(event):
        raise TypeError(f"{name} is not an event the stream carries")
    return name


def _encode_fields(event, buffers: list) -> dict:
    return {field.name: _encode_value(getattr(event, field.name), buffers) for field in dataclasses.fields(event)}


def _encode_value(value, buffers: list):
    if isinstance(value, np.ndarray):
        _dtype_name(value)
        buffers.append(np.require(value, dtype=value.dtype.newbyteorder("<"), requirements="C"))
        return {"$array": len(buffers) - 1}
    if dataclasses.is_dataclass(value):
        return {"$event": _event_name(value), "fields": _encode_fields(value, buffers)}
    if isinstance(value, (tuple, list)):
        return [_encode_value(item, buffers) for item in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(f"a {type(value).__name__} cannot be sent on the stream")


def _dtype_name(array: np.ndarray) -> str:
    name = array.dtype.name
    if name not in DTYPES:
        raise TypeError(f"arrays of {name} are not sent on the stream (only {', '.join(DTYPES)})")
    return name


# Decoding


def decode(frames, key: bytes, *, max_bytes: int = MAX_MESSAGE_BYTES) -> StreamMessage:
    """The message in ``frames`` (bytes or zmq frames), or Dropped with the reason it is refused."""
    if len(frames) < 2 or len(frames[0]) != _SIGNATURE_LENGTH:
        raise Dropped("unsigned")
    if len(frames) - 2 > MAX_BUFFERS or message_size(frames) > max_bytes or len(frames[1]) > MAX_HEADER_BYTES:
        raise Dropped("too_large")
    if not hmac.compare_digest(bytes(frames[0]), sign(key, frames[1:])):
        raise Dropped("bad_signature")
    header = _parse_header(bytes(frames[1]))
    arrays = _arrays(header["buffers"], frames[2:], max_bytes)
    cls = EVENT_TYPES.get(header["type"])
    if cls is None or cls in (events.LayerMaps, events.LayerKernels):
        raise Dropped("unknown_type", repr(header["type"])[:80])
    event = _build(cls, header["fields"], arrays, depth=0)
    return StreamMessage(run_id=header["run"], seq=header["seq"], lost=header["lost"], event=event)


def _parse_header(data: bytes) -> dict:
    try:
        header = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise Dropped("malformed", f"header is not JSON ({type(error).__name__})") from None
    if not isinstance(header, dict) or header.get("v") != FORMAT_VERSION:
        raise Dropped("malformed", "not a header of this format version")
    run, seq, lost = header.get("run"), header.get("seq"), header.get("lost")
    if not (isinstance(run, str) and _RUN_ID.fullmatch(run)):
        raise Dropped("malformed", "bad run id")
    if not (_is_count(seq) and _is_count(lost)):
        raise Dropped("malformed", "bad sequence number")
    if not (isinstance(header.get("type"), str) and isinstance(header.get("fields"), dict) and isinstance(header.get("buffers"), list)):
        raise Dropped("malformed", "type, fields or buffers missing")
    return header


def _is_count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**63


def _arrays(declared: list, buffers, max_bytes: int) -> list[np.ndarray]:
    """Read-only arrays over ``buffers``, each checked against its declared dtype and shape first."""
    if len(declared) != len(buffers):
        raise Dropped("bad_buffers", f"{len(declared)} declared, {len(buffers)} sent")
    arrays = []
    for spec, buffer in zip(declared, buffers):
        if not isinstance(spec, dict) or spec.get("dtype") not in DTYPES:
            raise Dropped("bad_buffers", "dtype not allowed")
        shape = spec.get("shape")
        if not (isinstance(shape, list) and len(shape) <= MAX_DIMENSIONS and all(_is_count(size) for size in shape)):
            raise Dropped("bad_buffers", "bad shape")
        dtype = DTYPES[spec["dtype"]]
        size = math.prod(shape) * dtype.itemsize  # Python integers: no overflow whatever is declared
        if size > max_bytes:
            raise Dropped("too_large", "declared shape over the size limit")
        if size != len(buffer):
            raise Dropped("bad_buffers", f"declared {size} bytes, sent {len(buffer)}")
        array = np.frombuffer(memoryview(buffer), dtype=dtype).reshape(shape)
        array.flags.writeable = False
        arrays.append(array)
    return arrays


def _build(cls, fields, arrays: list, depth: int):
    if depth > MAX_NESTING or not isinstance(fields, dict):
        raise Dropped("malformed", "nesting")
    declared = {field.name: field.type for field in dataclasses.fields(cls)}
    required = {field.name for field in dataclasses.fields(cls) if field.default is dataclasses.MISSING}
    if not set(fields) <= set(declared) or not required <= set(fields):
        raise Dropped("malformed", f"{cls.__name__} fields do not match")
    values = {}
    for name, encoded in fields.items():
        value = _decode_value(encoded, arrays, depth)
        if not _conforms(value, declared[name]):
            raise Dropped("malformed", f"{cls.__name__}.{name} is not {declared[name]}")
        values[name] = float(value) if declared[name] == "float" else value
    return cls(**values)


def _decode_value(value, arrays: list, depth: int):
    if isinstance(value, list):
        return tuple(_decode_value(item, arrays, depth) for item in value)
    if not isinstance(value, dict):
        return value
    if set(value) == {"$array"} and _is_count(value["$array"]) and value["$array"] < len(arrays):
        return arrays[value["$array"]]
    if set(value) == {"$event", "fields"} and value["$event"] in ("LayerMaps", "LayerKernels"):
        return _build(EVENT_TYPES[value["$event"]], value["fields"], arrays, depth + 1)
    raise Dropped("malformed", "unknown value")


def _conforms(value, annotation: str) -> bool:
    """Whether ``value`` is of the dataclass field type ``annotation``, as events.py writes them
    (strings, under ``from __future__ import annotations``): "float", "str | None",
    "tuple[str, ...]", "np.ndarray", "tuple[LayerMaps, ...]"."""
    return any(_conforms_to_one(value, option.strip()) for option in annotation.split("|"))


def _conforms_to_one(value, option: str) -> bool:
    if option.startswith("tuple[") and option.endswith(", ...]"):
        return isinstance(value, tuple) and all(_conforms_to_one(item, option[6:-6]) for item in value)
    if option in ("int", "float") and isinstance(value, bool):
        return False
    simple = {"None": type(None), "bool": bool, "int": int, "float": (int, float), "str": str, "np.ndarray": np.ndarray}
    if option in simple:
        return isinstance(value, simple[option])
    return option in EVENT_TYPES and type(value) is EVENT_TYPES[option]
