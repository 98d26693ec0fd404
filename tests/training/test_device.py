"""The device is reported honestly: the GPU the backend uses, or the CPU and why not a GPU."""

from __future__ import annotations

import tensorflow as tf

from visualizer.training import device


def test_cpu_only_machine_reports_cpu_without_a_note(monkeypatch):
    monkeypatch.setattr(device, "nvidia_gpu_present", lambda: False)
    monkeypatch.setattr(device, "_tensorflow_gpu", lambda: None)
    assert device.describe_device("tensorflow") == ("CPU", "")


def test_a_gpu_the_backend_cannot_use_is_explained(monkeypatch):
    monkeypatch.setattr(device, "nvidia_gpu_present", lambda: True)
    monkeypatch.setattr(device, "_tensorflow_gpu", lambda: None)
    name, note = device.describe_device("tensorflow")
    assert name == "CPU"
    assert "GPU is present but tensorflow cannot use it" in note and "CUDA" in note


def test_a_usable_gpu_is_named(monkeypatch):
    monkeypatch.setattr(device, "_tensorflow_gpu", lambda: "NVIDIA H100 80GB HBM3")
    assert device.describe_device("tensorflow") == ("GPU: NVIDIA H100 80GB HBM3", "")


def test_this_machine_is_described_as_tensorflow_sees_it():
    name, note = device.describe_device("tensorflow")
    if tf.config.list_physical_devices("GPU"):
        assert name.startswith("GPU: ") and note == ""
    else:
        assert name == "CPU"
        assert bool(note) == device.nvidia_gpu_present()
