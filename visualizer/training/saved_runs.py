"""Autosaved runs on disk: where they live, what each holds, which were cut off by a crash.

Each run gets a folder ``<root>/<run id>/`` holding ``model.keras`` (the model after its last
finished epoch), ``history.json`` (the curves' batch and epoch values) and ``run.json`` (the
settings, the data source, the epochs done and the status). Every file is written atomically, so
a kill mid-write leaves the previous epoch's files whole. The root is
``platformdirs.user_data_dir("cnn-visualizer")/autosave``, or the folder named by the
CNN_VISUALIZER_AUTOSAVE environment variable. No Keras and no Qt here: the page reads these
files before TensorFlow loads.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from visualizer.fileio import write_text_atomically
from visualizer.training.config import ConvBlock, TrainConfig
from visualizer.training.events import BatchEnd, EpochEnd
from visualizer.training.layer_list import specs_from_json
from visualizer.training.recording import model_title

AUTOSAVE_ENV = "CNN_VISUALIZER_AUTOSAVE"
KEEP_RUNS = 3  # the newest runs kept; older ones are deleted when a new run starts
STALE_TEMPORARY_S = 300.0  # a temporary file this old was left by a killed save

MODEL_FILE = "model.keras"
HISTORY_FILE = "history.json"
RUN_FILE = "run.json"

RUNNING, FINISHED, STOPPED, FAILED = "running", "finished", "stopped", "failed"


def autosave_root() -> Path:
    """The folder holding every autosaved run (not created here)."""
    chosen = os.environ.get(AUTOSAVE_ENV)
    if chosen:
        return Path(chosen)
    import platformdirs

    return Path(platformdirs.user_data_dir("cnn-visualizer")) / "autosave"


def config_to_dict(config: TrainConfig) -> dict:
    return dataclasses.asdict(config)


def config_from_dict(values: dict) -> TrainConfig:
    known = {field.name for field in dataclasses.fields(TrainConfig)}
    values = {name: value for name, value in values.items() if name in known}
    if "conv_blocks" in values:
        values["conv_blocks"] = tuple(ConvBlock(**block) for block in values["conv_blocks"])
    if "layers" in values:  # recordings made before own layer lists have none
        values["layers"] = specs_from_json(values["layers"])
    if values.get("image_size") is not None:  # JSON keeps the pair as a list
        values["image_size"] = tuple(values["image_size"])
    return TrainConfig(**values)


@dataclass(frozen=True)
class SavedRun:
    """One autosaved run as run.json describes it."""

    folder: Path
    config: TrainConfig
    data_source: str
    epochs_done: int
    status: str
    pid: int
    saved_at: float

    @property
    def model_path(self) -> Path:
        return self.folder / MODEL_FILE

    def is_interrupted(self) -> bool:
        """Cut off by a crash or a kill: still "running", its process gone, an epoch kept."""
        return (
            self.status == RUNNING
            and self.epochs_done > 0
            and self.model_path.is_file()
            and not process_alive(self.pid)
        )

    def history(self) -> tuple[list[BatchEnd], list[EpochEnd]]:
        """The batch and epoch values recorded up to the last saved epoch."""
        values = json.loads((self.folder / HISTORY_FILE).read_text(encoding="utf-8"))
        return (
            [BatchEnd(**batch) for batch in values["batches"]],
            [EpochEnd(**epoch) for epoch in values["epochs"]],
        )

    def describe(self) -> str:
        """E.g. "a CNN run of 5 epochs, last saved 2026-01-31 14:05"."""
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        return f"a {model_title(self.config)} run of {self.config.epochs} epochs, last saved {when}"


def process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process holds that id now
        return True
    except OSError:
        return False
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A process that has ended but not been reaped yet (an orphan waits for init to reap it) still
    answers os.kill; on Linux its state says it is gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state == "Z"


def read_run(folder: Path) -> SavedRun | None:
    """The run saved in ``folder``, or None when its run.json is missing or unreadable."""
    try:
        values = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
        return SavedRun(
            folder=folder,
            config=config_from_dict(values["config"]),
            data_source=values.get("data_source", ""),
            epochs_done=int(values["epochs_done"]),
            status=str(values["status"]),
            pid=int(values.get("pid", 0)),
            saved_at=float(values.get("saved_at", 0.0)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def run_folders(root: Path) -> list[Path]:
    """The run folders under ``root``, oldest first (run ids sort by time)."""
    if not root.is_dir():
        return []
    return sorted(path for path in root.iterdir() if path.is_dir() and not path.name.startswith("."))


def find_interrupted(root: Path | None = None) -> SavedRun | None:
    """The newest run cut off by a crash, if any."""
    for folder in reversed(run_folders(root or autosave_root())):
        saved = read_run(folder)
        if saved is not None and saved.is_interrupted():
            return saved
    return None


def discard(saved: SavedRun) -> None:
    shutil.rmtree(saved.folder, ignore_errors=True)


def prune(root: Path, keep: int) -> None:
    """Delete all but the newest ``keep`` run folders, except those of runs still training."""
    folders = run_folders(root)
    for folder in folders[: max(len(folders) - keep, 0)]:
        saved = read_run(folder)
        if saved is not None and saved.status == RUNNING and process_alive(saved.pid):
            continue
        shutil.rmtree(folder, ignore_errors=True)


def remove_stale_temporaries(folder: Path, older_than_s: float = STALE_TEMPORARY_S) -> None:
    """Delete the temporary files (``.<name>.*.part.<suffix>``) a killed save left in ``folder``."""
    now = time.time()
    for path in folder.glob(".*.part.*"):
        try:
            if now - path.stat().st_mtime > older_than_s:
                path.unlink()
        except OSError:
            pass


def new_run_folder(root: Path) -> Path:
    """Create a new run's folder, named by its start time so that names sort by age."""
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for attempt in range(1000):
        folder = root / f"{stamp}-{os.getpid()}-{attempt}"
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"no free run folder name under {root}")


def write_run(folder: Path, config: TrainConfig, data_source: str, epochs_done: int, status: str) -> None:
    values = {
        "config": config_to_dict(config),
        "data_source": data_source,
        "epochs_done": epochs_done,
        "status": status,
        "pid": os.getpid(),
        "saved_at": time.time(),
    }
    write_text_atomically(folder / RUN_FILE, json.dumps(values, indent=1))


def write_history(folder: Path, batches: list[BatchEnd], epochs: list[EpochEnd]) -> None:
    values = {
        "batches": [dataclasses.asdict(batch) for batch in batches],
        "epochs": [dataclasses.asdict(epoch) for epoch in epochs],
    }
    write_text_atomically(folder / HISTORY_FILE, json.dumps(values))
