"""Saving a model is all or nothing: a process killed (SIGKILL) at random moments while it saves
over the same file, again and again, always leaves a file that loads. What a kill does leave is
its temporary ``.part`` file, which the kill keeps from being cleaned up."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import keras
import pytest

from tests.training.tiny import REPO_ROOT

KILLS = 50

# A server process imports Keras once (the numpy backend: no threads, so forking is safe), saves
# the model once, then forks one writer after another. Each writer saves over the same path in a
# loop until it is killed; the server prints each writer's process id and starts the next one
# when the last has died and the test asks. A 16 MB model takes some 40 ms to save, so most
# kills land mid-save.
SERVER = """
import os, sys
os.environ["KERAS_BACKEND"] = "numpy"
import keras
from visualizer.training.run import save_model_atomically

path = sys.argv[1]
model = keras.Sequential([keras.Input((1024,)), keras.layers.Dense(4096)])
save_model_atomically(model, path)
while sys.stdin.readline():  # the test says when the next writer may start
    writer = os.fork()
    if writer == 0:
        while True:
            save_model_atomically(model, path)
    print(writer, flush=True)
    os.waitpid(writer, 0)
"""


def _temporaries(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if path.name != "model.keras")


@pytest.mark.slow
def test_a_model_file_survives_kills_at_random_moments_of_saving(tmp_path):
    path = tmp_path / "model.keras"
    environment = dict(os.environ, PYTHONPATH=str(REPO_ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    random_moments = random.Random(9)
    killed_mid_save = 0
    try:
        for _ in range(KILLS):
            # The next writer starts only now, so the files looked at below are the killed one's.
            server.stdin.write("go\n")
            server.stdin.flush()
            line = server.stdout.readline()
            assert line, "the saving server died"
            writer = int(line)
            time.sleep(random_moments.uniform(0.0, 0.15))
            os.kill(writer, signal.SIGKILL)
            _wait_until_gone(writer)
            model = keras.models.load_model(path)  # the old file or the complete new one
            assert model.count_params() == 1024 * 4096 + 4096
            leftovers = _temporaries(tmp_path)
            assert all(leftover.name.startswith(".model.") and leftover.name.endswith(".part.keras")
                       for leftover in leftovers), leftovers
            killed_mid_save += bool(leftovers)
            for leftover in leftovers:  # 16 MB each: keep the disk free
                leftover.unlink()
    finally:
        server.kill()
        server.wait()
    # The kills must land inside saves for the test to mean anything.
    assert killed_mid_save >= KILLS // 4, killed_mid_save


def _wait_until_gone(pid: int, timeout_s: float = 5.0) -> None:
    """The writer is the server's child: it is gone once the server has reaped it."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.005)
    raise AssertionError(f"the killed writer {pid} is still there")
