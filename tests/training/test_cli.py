"""`cnn-visualizer train`: end to end in a fresh process, and its refusals in plain words."""

from __future__ import annotations

import re

import keras
import pytest

from tests.training.tiny import DATA_DIR, run_python
from visualizer.training.cli import main
from visualizer.training.recording_file import read_recording


@pytest.mark.slow
def test_train_command_trains_reports_and_saves(tmp_path):
    out = tmp_path / "model.keras"
    argv = ["train", "--epochs", "1", "--limit", "64", "--test-limit", "32", "--batch-size", "16",
            "--data", DATA_DIR, "--out", str(out), "--seed", "3"]
    code = (
        f"import sys; from visualizer.app import main; rc = main({argv!r});"
        "print('Qt loaded:', 'PyQt6' in sys.modules); sys.exit(rc)"
    )
    completed = run_python(code)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    text = completed.stdout
    assert "data: bundled subset" in text or "data: Fashion-MNIST" in text
    assert "64 training and 32 test images" in text
    assert "backend: tensorflow, device: CPU" in text or "device: GPU: " in text
    assert "epoch 1/1: loss " in text and "test accuracy " in text
    assert "final test loss " in text
    assert f"model saved to {out}" in text
    assert "Qt loaded: False" in text
    model = keras.models.load_model(out)
    assert model.count_params() == 412_778
    recording = read_recording(out)  # the run's recording is in the file, for replaying it in the app
    assert recording.finished.epochs_completed == 1 and [s.epoch for s in recording.snapshots] == [1]
    assert recording.started.train_count == 64 and len(recording.epochs) == 1 and recording.batches
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"], "only the finished file is left"


def test_out_folder_must_exist(tmp_path, capsys):
    code = main(["--out", str(tmp_path / "missing" / "model.keras")])
    assert code == 2
    error = capsys.readouterr().err
    assert "does not exist" in error and "missing" in error


def test_an_out_path_that_is_a_folder_is_refused_before_training(tmp_path, capsys, monkeypatch):
    from visualizer.training import cli

    (tmp_path / "model.keras").mkdir()
    monkeypatch.setattr(cli, "run", lambda *a, **k: pytest.fail("training started anyway"))
    assert main(["--out", str(tmp_path / "model.keras")]) == 2
    assert "it is a folder" in capsys.readouterr().err


def test_an_unwritable_out_folder_is_refused_before_training(tmp_path, capsys, monkeypatch):
    import tempfile

    from visualizer.training import cli

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    monkeypatch.setattr(cli, "run", lambda *a, **k: pytest.fail("training started anyway"))
    assert main(["--out", str(tmp_path / "model.keras")]) == 2
    error = capsys.readouterr().err
    assert "not writable (Permission denied)" in error and str(tmp_path) in error


def test_out_must_be_a_keras_file(tmp_path, capsys):
    assert main(["--out", str(tmp_path / "model.h5")]) == 2
    assert ".keras" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["--epochs", "0"], "epochs must be at least 1"),
        (["--batch-size", "0"], "batch size must be at least 1"),
        (["--learning-rate", "-1"], "learning rate must be positive"),
        (["--limit", "0"], "training-image limit"),
        (["--test-limit", "0"], "test-image limit"),
        (["--seed", "-1"], "seed must be between 0 and 4294967295"),
        (["--seed", str(2**32)], "seed must be between 0 and 4294967295"),
    ],
)
def test_invalid_settings_are_refused_in_words(argv, complaint, capsys):
    assert main(argv) == 2
    assert complaint in capsys.readouterr().err


def test_missing_data_folder_fails_with_a_message(tmp_path, capsys):
    code = main(["--data", str(tmp_path / "nowhere"), "--limit", "16"])
    assert code == 1
    captured = capsys.readouterr()
    assert "could not be loaded" in captured.err and "nowhere" in captured.err
    assert "Traceback" not in captured.err


def test_an_empty_data_folder_fails_naming_the_missing_files(tmp_path, capsys):
    assert main(["--data", str(tmp_path), "--limit", "16"]) == 1
    error = capsys.readouterr().err
    assert "incomplete" in error and "train-images-idx3-ubyte" in error
    assert "Traceback" not in error


def test_help_lists_the_options(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for option in ("--model", "--model-file", "--epochs", "--batch-size", "--learning-rate", "--optimizer", "--limit",
                   "--data", "--out", "--backend", "--seed"):
        assert option in text


def test_cli_run_and_process_modules_import_without_keras_or_qt():
    # The GUI imports the process module, and a child sets KERAS_BACKEND before Keras loads.
    completed = run_python(
        "import sys, visualizer.training.cli, visualizer.training.process, visualizer.training.run;"
        "print([m for m in ('keras', 'tensorflow', 'jax', 'torch', 'PyQt6') if m in sys.modules])"
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"


@pytest.mark.slow
def test_train_on_a_folder_of_pictures_prints_the_classes_and_the_test_accuracy(tmp_path, capsys):
    from tests.training.test_image_folder import write_pictures

    root = write_pictures(tmp_path / "pictures", {"dark": 12, "mid": 12, "light": 12})
    (root / "mid" / "broken.png").write_bytes(b"not a picture")
    out = tmp_path / "model.keras"
    code = main(["--images", str(root), "--image-size", "16x16", "--epochs", "1", "--batch-size", "8",
                 "--seed", "1", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "3 classes (dark 12, light 12, mid 12)" in text and "16x16 colour" in text
    assert "skipped " in text and "broken.png" in text
    assert "final test loss " in text and ", test accuracy " in text
    model = keras.models.load_model(out)
    assert tuple(model.input_shape[1:]) == (16, 16, 3) and model.output_shape[-1] == 3
    # The class names are stored in the model file, for the inspector.
    assert read_recording(out).started.class_names == ("dark", "light", "mid")


def test_image_size_goes_only_with_images(capsys):
    with pytest.raises(SystemExit):
        main(["--image-size", "16x16"])
    assert "--image-size goes with --images" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--images", "x", "--image-size", "sixteen"])
    assert "is not HxW" in capsys.readouterr().err


def _grey_network(path, classes: int = 10, side: int = 28):
    from keras import layers

    model = keras.Sequential([keras.Input((side, side, 1)), layers.Conv2D(2, 3, name="look"), layers.Flatten(),
                              layers.Dense(classes, activation="softmax")], name="my_net")
    model.save(path)
    return path


@pytest.mark.slow
def test_train_a_network_from_a_file_prints_the_test_accuracy(tmp_path, capsys):
    network = _grey_network(tmp_path / "mine.keras")
    out = tmp_path / "trained.keras"
    code = main(["--model-file", str(network), "--epochs", "1", "--limit", "64", "--test-limit", "32",
                 "--batch-size", "16", "--data", DATA_DIR, "--no-download", "--seed", "3", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0, text
    assert "model: my_net" in text and re.search(r"^  look +Conv2D +26x26x2 ", text, re.MULTILINE)
    assert "final test loss " in text and ", test accuracy " in text
    assert read_recording(out).config.model_file == str(network)


@pytest.mark.parametrize(
    ("make", "complaint"),
    [
        (lambda folder: folder / "nowhere.keras", "There is no file"),
        (lambda folder: _grey_network(folder / "five.keras", classes=5),
         "gives 5 numbers, but Fashion-MNIST has 10 classes: end it with Dense(10, activation='softmax')."),
        (lambda folder: _grey_network(folder / "big.keras", side=32),
         "takes 32x32 pictures with 1 channel, but the pictures of Fashion-MNIST are 28x28"),
    ],
)
def test_a_network_file_that_cannot_train_exits_with_2_and_words(tmp_path, capsys, monkeypatch, make, complaint):
    from visualizer.training import cli

    network = make(tmp_path)
    monkeypatch.setattr(cli, "run", lambda *a, **k: pytest.fail("training started anyway"))
    assert main(["--model-file", str(network), "--data", DATA_DIR, "--no-download", "--limit", "16"]) == 2
    error = capsys.readouterr().err
    assert complaint in error and "Traceback" not in error


def test_model_and_model_file_do_not_go_together(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--model", "fc", "--model-file", "net.keras"])
    assert exit_info.value.code == 2
    assert "give one of them" in capsys.readouterr().err
