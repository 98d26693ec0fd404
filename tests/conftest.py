"""Test-wide settings: Qt renders offscreen, so the suite runs without a display."""

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SHARED_FASHION_MNIST = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "fashion-mnist"
