"""The wire format between the grader and its worker: plain data only.

A message is a JSON header plus zero or more binary blobs. Every array
travels as a blob in numpy's `.npy` format and is read back with
`allow_pickle=False`; nothing is ever unpickled. Values are trees of
None, bool, int, float, str, list, tuple, str-keyed dict and ndarray.
Anything else a learner returns is replaced by `Unsupported(type name)` on
the worker side, so no learner object (and none of its `__eq__` or
`__array__` methods) ever reaches the grader.
"""

from __future__ import annotations

import json
import re
import struct
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_MESSAGE_BYTES = 256 * 1024 * 1024
_HEADER = struct.Struct(">I")


class ProtocolError(Exception):
    """A message that is not in the wire format."""


@dataclass(frozen=True)
class Unsupported:
    """Stands for a returned value that is not plain data (its type's name)."""

    type_name: str

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"


@dataclass(frozen=True)
class Named:
    """A function passed by name: the worker resolves it from `CALLABLES`."""

    name: str

    def __repr__(self) -> str:
        return self.name


def _sigmoid(z: Any) -> Any:
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))


CALLABLES = {
    "identity": lambda z: z,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
    "relu": lambda z: np.maximum(0.0, z),
    "square": np.square,
}

_NUMERIC_KINDS = "biufc"


def encode(value: Any, blobs: list[bytes]) -> Any:
    """Turn a value tree into JSON-ready data, appending arrays to `blobs`.

    Types are tested with `type(value)`, never `isinstance`, so an object that
    lies about its `__class__` is reported as what it really is.
    """
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if issubclass(kind, np.generic):
        if value.dtype.kind not in _NUMERIC_KINDS:
            return {"__unsupported__": kind.__name__}
        return encode(value.item(), blobs)
    if issubclass(kind, int):
        return int(value)
    if issubclass(kind, float):
        return float(value)
    if issubclass(kind, np.ndarray):
        array = np.ndarray.view(value, np.ndarray)
        if array.dtype.kind not in _NUMERIC_KINDS or array.dtype.fields is not None:
            return {"__unsupported__": f"array of dtype {array.dtype}"}
        blobs.append(npy_bytes(array))
        return {"__ndarray__": len(blobs) - 1}
    if kind is Named:
        return {"__named__": value.name}
    # subclasses too (a namedtuple, an OrderedDict): read through the base type's own methods
    if issubclass(kind, tuple):
        return {"__tuple__": [encode(v, blobs) for v in tuple.__iter__(value)]}
    if issubclass(kind, list):
        return [encode(v, blobs) for v in list.__iter__(value)]
    if issubclass(kind, dict) and all(type(k) is str for k in dict.keys(value)):
        return {"__dict__": {k: encode(v, blobs) for k, v in dict.items(value)}}
    if kind is Unsupported:
        return {"__unsupported__": value.type_name}
    tensor = _tensor_as_array(value)
    if tensor is not None:
        return encode(tensor, blobs)
    return {"__unsupported__": kind.__name__}


def _tensor_as_array(value: Any) -> np.ndarray | None:
    """A torch tensor's values (only if torch is already loaded and it is one)."""
    torch = sys.modules.get("torch")
    if torch is None or type(value) is not torch.Tensor:
        return None
    return value.detach().cpu().numpy()


def decode(data: Any, blobs: list[bytes], resolve_named: bool = False) -> Any:
    """The inverse of `encode`; arrays are loaded with `allow_pickle=False`."""
    if isinstance(data, list):
        return [decode(v, blobs, resolve_named) for v in data]
    if not isinstance(data, dict):
        return data
    if "__ndarray__" in data:
        index = data["__ndarray__"]
        if not isinstance(index, int) or not 0 <= index < len(blobs):
            raise ProtocolError("array reference out of range")
        return npy_array(blobs[index])
    if "__tuple__" in data:
        return tuple(decode(v, blobs, resolve_named) for v in data["__tuple__"])
    if "__dict__" in data:
        return {str(k): decode(v, blobs, resolve_named) for k, v in data["__dict__"].items()}
    if "__named__" in data:
        name = data["__named__"]
        return CALLABLES[name] if resolve_named else Named(name)
    if "__unsupported__" in data:
        return Unsupported(str(data["__unsupported__"]))
    raise ProtocolError(f"unknown value tag {sorted(data)[:3]}")


_NPY_MAGIC = b"\x93NUMPY\x01\x00"
_NPY_HEADER = re.compile(
    rb"\{'descr': '([<>|][biufc][0-9]{1,2})', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \} *\n"
)


def npy_bytes(array: np.ndarray) -> bytes:
    """A numeric array in `.npy` format (version 1.0, C order), as `np.save` writes it."""
    array = array if array.flags.c_contiguous else array.copy(order="C")
    shape = repr(tuple(int(n) for n in array.shape))
    header = f"{{'descr': '{array.dtype.str}', 'fortran_order': False, 'shape': {shape}, }}"
    padding = 64 - (len(_NPY_MAGIC) + 2 + len(header) + 1) % 64
    header_bytes = (header + " " * padding + "\n").encode("latin1")
    return _NPY_MAGIC + struct.pack("<H", len(header_bytes)) + header_bytes + array.tobytes()


def npy_array(blob: bytes) -> np.ndarray:
    """Read one `.npy` payload of a numeric dtype; anything else (pickles included) is refused.

    A strict reader of the format `np.save` writes, equivalent to
    `np.load(..., allow_pickle=False)` restricted to numeric C-order arrays.
    """
    if not blob.startswith(_NPY_MAGIC) or len(blob) < 10:
        raise ProtocolError("array payload is not in .npy format")
    (size,) = struct.unpack_from("<H", blob, 8)
    match = _NPY_HEADER.fullmatch(blob[10 : 10 + size])
    if match is None:
        raise ProtocolError("array payload has an unsupported .npy header")
    dtype = np.dtype(match.group(1).decode())
    shape = tuple(int(n) for n in match.group(2).replace(b" ", b"").split(b",") if n)
    count = int(np.prod(shape, dtype=np.int64))
    data = blob[10 + size :]
    if len(data) != count * dtype.itemsize:
        raise ProtocolError("array payload has the wrong size")
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()


def pack(header: dict[str, Any], blobs: list[bytes]) -> bytes:
    """One message: header length, JSON header (with blob sizes), blobs."""
    header = dict(header, blobs=[len(b) for b in blobs])
    text = json.dumps(header).encode("utf-8")
    return b"".join([_HEADER.pack(len(text)), text, *blobs])


def message(header: dict[str, Any], payload: dict[str, Any]) -> bytes:
    """Pack `header` with `payload`'s values encoded under the key "data"."""
    blobs: list[bytes] = []
    return pack(dict(header, data=encode(payload, blobs)), blobs)


class Reader:
    """Incrementally assembles messages from bytes as they arrive."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, chunk: bytes) -> None:
        self.buffer += chunk
        if len(self.buffer) > MAX_MESSAGE_BYTES:
            raise ProtocolError("message too large")

    def take(self) -> tuple[dict[str, Any], list[bytes]] | None:
        """The next complete message, or None if more bytes are needed."""
        if len(self.buffer) < _HEADER.size:
            return None
        (size,) = _HEADER.unpack_from(self.buffer)
        end = _HEADER.size + size
        if len(self.buffer) < end:
            return None
        try:
            header = json.loads(bytes(self.buffer[_HEADER.size : end]))
            sizes = [int(n) for n in header["blobs"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise ProtocolError(f"bad header: {exc}") from None
        total = end + sum(sizes)
        if total > MAX_MESSAGE_BYTES:
            raise ProtocolError("message too large")
        if len(self.buffer) < total:
            return None
        blobs, offset = [], end
        for n in sizes:
            blobs.append(bytes(self.buffer[offset : offset + n]))
            offset += n
        del self.buffer[:total]
        return header, blobs
