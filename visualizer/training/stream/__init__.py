"""The stream that carries a training run's events from any Keras script to the window: signed
ZeroMQ messages of a JSON header and raw numpy buffers (wire), found through a private connection
file (connection), sent without waiting (sender) and read without waiting (receiver). Modelled on
Jupyter's kernel messaging; see wire.py for the format. Neither Qt nor Keras is imported here."""

from visualizer.training.stream.connection import ConnectionInfo, connection_folder, find_connection, read_connection_file
from visualizer.training.stream.receiver import RunState, StreamReceiver, default_ipc_address
from visualizer.training.stream.sender import StreamSender
from visualizer.training.stream.wire import Dropped, StreamMessage, decode, encode

__all__ = [
    "ConnectionInfo",
    "Dropped",
    "RunState",
    "StreamMessage",
    "StreamReceiver",
    "StreamSender",
    "connection_folder",
    "decode",
    "default_ipc_address",
    "encode",
    "find_connection",
    "read_connection_file",
]
