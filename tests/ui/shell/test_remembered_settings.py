"""What the app remembers between runs: each page's own settings (the training form's) and the
models opened (File > Open recent). Every test writes to its own INI file, never to the user's."""

from pathlib import Path

import pytest
from PyQt6.QtCore import QSettings, pyqtSignal
from PyQt6.QtWidgets import QWidget

from visualizer.training import data
from visualizer.training.config import TrainConfig
from visualizer.ui.kit.stored_settings import read_number, read_text_list
from visualizer.ui.main_window import MainWindow
from visualizer.ui.pages import PageSpec
from visualizer.ui.shell.recent_models import MAX_RECENT, RecentModels, RecentModelsMenu
from visualizer.ui.training.settings import SettingsForm


def _settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def no_named_folder(tmp_path, monkeypatch):
    """Only the bundled subset (and the download) are offered, as on a fresh machine."""
    monkeypatch.setattr(data, "KERAS_CACHE_DIR", tmp_path / "no-keras-cache")
    monkeypatch.setattr(data, "DEBIAN_DIR", tmp_path / "no-debian")
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)


def _fashion_folder(path: Path) -> Path:
    path.mkdir()
    for name in data.FILE_NAMES.values():
        (path / (name + ".gz")).write_bytes(b"")  # the form checks the names only
    return path


# -- the training form ----------------------------------------------------------------------------
def _change_everything(form: SettingsForm) -> None:
    form.model.setCurrentIndex(form.model.findData("cnn"))
    form.editor.table.selectRow(3)  # the second conv layer: the list becomes your own
    form.editor.fields.filters.setValue(48)
    form.editor.add_row("batchnorm")
    form.epochs.setValue(2)
    form.batch_size.setValue(128)
    form.learning_rate.setValue(0.0123)
    form.optimizer.setCurrentIndex(form.optimizer.findData("sgd"))
    form.train_limit.setValue(3000)
    form.test_limit.setValue(500)


def test_the_training_form_takes_back_every_setting(qtbot, keep, tmp_path, no_named_folder):
    first = keep(SettingsForm())
    _change_everything(first)
    first.data.setCurrentIndex(1)  # the download, after the bundled subset
    wanted = first.config()
    assert wanted != TrainConfig()
    settings = _settings(tmp_path)
    first.save_settings(settings)
    settings.sync()

    again = keep(SettingsForm())
    with qtbot.waitSignal(again.changed):
        again.restore_settings(_settings(tmp_path))
    assert again.config() == wanted
    assert again.data_choice().allow_download


def test_unreadable_or_out_of_range_values_keep_defaults_or_are_held_to_the_range(keep, tmp_path, no_named_folder):
    settings = _settings(tmp_path)
    for key, value in {
        "epochs": "many", "batch_size": 10**9, "learning_rate": "nan", "conv_blocks": -3,
        "network": "layers", "layers": "[{not json", "optimizer": 7, "data": "/no/such/folder", "train_images": "",
    }.items():
        settings.setValue(key, value)
    form = keep(SettingsForm())
    form.restore_settings(settings)
    defaults = TrainConfig()
    config = form.config()
    assert config.epochs == defaults.epochs  # "many" is no number
    assert config.batch_size == form.batch_size.maximum()  # held to the range
    assert config.learning_rate == defaults.learning_rate
    assert config.conv_blocks == defaults.conv_blocks  # the seed's CNN, not an unreadable list
    assert (config.model, config.optimizer) == (defaults.model, defaults.optimizer)
    assert form.data.currentIndex() == 0 and "subset" in form.data_choice().title


def test_a_folder_of_the_users_comes_back_while_it_is_there(keep, tmp_path, no_named_folder):
    folder = _fashion_folder(tmp_path / "my-fashion")
    first = keep(SettingsForm())
    first.add_data_folder(str(folder))
    settings = _settings(tmp_path)
    first.save_settings(settings)

    again = keep(SettingsForm())
    again.restore_settings(settings)
    assert again.data_choice().data_dir == str(folder)

    for file in folder.iterdir():
        file.unlink()
    folder.rmdir()
    gone = keep(SettingsForm())
    gone.restore_settings(settings)
    assert gone.data_choice().is_subset  # not a folder that is no longer there


def test_a_folder_named_for_this_start_wins_over_the_remembered_one(keep, tmp_path, monkeypatch, no_named_folder):
    remembered = _fashion_folder(tmp_path / "remembered")
    settings = _settings(tmp_path)
    settings.setValue("data", str(remembered))
    named = _fashion_folder(tmp_path / "named")
    monkeypatch.setenv(data.DATA_DIR_ENV, str(named))
    form = keep(SettingsForm())
    form.restore_settings(settings)
    assert form.data_choice().data_dir == str(named)


def test_the_training_page_keeps_its_settings_in_its_own_group_of_the_windows_settings(qtbot, keep, tmp_path, no_named_folder):
    settings = _settings(tmp_path)
    first = keep(MainWindow(first_page="training", settings=settings))
    first.current_page().settings.epochs.setValue(9)
    first.close()
    assert read_number(settings, "pages/training/epochs") == 9

    again = keep(MainWindow(first_page="training", settings=_settings(tmp_path)))
    assert again.current_page().settings.config().epochs == 9


class RememberingPage(QWidget):
    """A page that remembers one number; it raises on restore when told to."""

    broken = False

    def __init__(self) -> None:
        super().__init__()
        self.number = 0

    def restore_settings(self, settings):
        if self.broken:
            raise RuntimeError("cannot read")
        self.number = int(settings.value("number", 0))

    def save_settings(self, settings):
        settings.setValue("number", self.number)


def test_pages_that_remember_get_their_group_and_a_failing_one_still_opens(qtbot, keep, register_pages, tmp_path, monkeypatch):
    register_pages([
        PageSpec("one", "One", "Concepts", f"{__name__}:RememberingPage", "first"),
        PageSpec("two", "Two", "Concepts", f"{__name__}:RememberingPage", "second"),
    ])
    settings = _settings(tmp_path)
    first = keep(MainWindow(first_page="one", settings=settings))
    first.current_page().number = 11
    first.show_page("two").number = 22
    first.close()
    assert (read_number(settings, "pages/one/number"), read_number(settings, "pages/two/number")) == (11, 22)

    again = keep(MainWindow(first_page="two", settings=_settings(tmp_path)))
    assert again.current_page().number == 22
    monkeypatch.setattr(RememberingPage, "broken", True)
    page = again.show_page("one")
    assert isinstance(page, RememberingPage) and page.number == 0  # defaults, not an error page


# -- recent models --------------------------------------------------------------------------------
def test_recent_models_are_newest_first_each_once_and_at_most_eight(tmp_path):
    recent = RecentModels(_settings(tmp_path))
    for index in range(MAX_RECENT + 3):
        recent.add(str(tmp_path / f"m{index}.keras"))
    recent.add(str(tmp_path / "m5.keras"))
    paths = recent.paths()
    assert len(paths) == MAX_RECENT
    assert paths[:3] == [str(tmp_path / name) for name in ("m5.keras", "m10.keras", "m9.keras")]
    assert paths.count(str(tmp_path / "m5.keras")) == 1
    assert RecentModels(_settings(tmp_path)).paths() == paths  # kept in the settings file
    recent.clear()
    assert RecentModels(_settings(tmp_path)).paths() == []


def test_a_relative_path_is_remembered_as_an_absolute_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    recent = RecentModels(None)
    recent.add("model.keras")
    assert recent.paths() == [str(tmp_path / "model.keras")]


def test_a_recent_list_edited_by_hand_is_read_without_failing(tmp_path):
    settings = _settings(tmp_path)
    settings.setValue("recent_models", 42)
    assert read_text_list(settings, "recent_models") == []
    settings.setValue("recent_models", "/only/one.keras")
    assert RecentModels(settings).paths() == ["/only/one.keras"]


def _menu_entries(menu: RecentModelsMenu) -> list[tuple[str, bool]]:
    menu.refill()
    return [(action.text(), action.isEnabled()) for action in menu.actions() if not action.isSeparator()]


def test_the_menu_shows_missing_files_disabled_and_clears(keep, tmp_path):
    there = tmp_path / "a & b.keras"
    there.write_bytes(b"")
    menu = keep(RecentModelsMenu(RecentModels(None)))
    assert _menu_entries(menu) == [("No models opened yet", False), ("Clear recent", False)]
    menu.add(str(tmp_path / "gone.keras"))
    menu.add(str(there))
    entries = _menu_entries(menu)
    assert entries[0] == (f"&1 a && b.keras  ({tmp_path})", True)  # "&" in a name stays text
    assert entries[1][0].startswith("&2 gone.keras") and entries[1][0].endswith("not found")
    assert not entries[1][1]
    clear = menu.actions()[-1]
    assert clear.text() == "Clear recent" and clear.isEnabled()
    clear.trigger()
    assert menu.recent.paths() == []


class ModelPage(QWidget):
    """Stands in for the inspector: records the models it is asked to open; a file named
    broken.keras fails to open, as a file that is not a model does (no modelOpened)."""

    modelOpened = pyqtSignal(str)

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    def open_model(self, path, unsafe=False, may_ask=True):
        self.opened.append(path)
        if Path(path).name != "broken.keras":
            self.modelOpened.emit(path)

    def is_busy(self):
        return False

    def failure(self):
        return None


def test_models_opened_are_remembered_and_open_recent_opens_them_again(keep, register_pages, tmp_path):
    register_pages([
        PageSpec("plain", "Plain", "Concepts", f"{__name__}:RememberingPage", "a page"),
        PageSpec("inspector", "Inspector", "Models", f"{__name__}:ModelPage", "opens models"),
    ])
    first_model, second_model = tmp_path / "first.keras", tmp_path / "second.keras"
    for model in (first_model, second_model):
        model.write_bytes(b"")
    window = keep(MainWindow(first_page="plain", settings=_settings(tmp_path)))
    window.inspect_model(str(first_model))
    window.inspect_model(str(second_model))
    window.show_page("plain")
    assert RecentModels(_settings(tmp_path)).paths() == [str(second_model), str(first_model)]

    window.recent_menu.refill()
    window.recent_menu.actions()[1].trigger()  # the older one
    assert window.current_page_name() == "inspector"
    assert window.current_page().opened == [str(first_model), str(second_model), str(first_model)]


def test_a_model_that_fails_to_open_is_not_offered_in_open_recent(keep, register_pages, tmp_path):
    register_pages([PageSpec("inspector", "Inspector", "Models", f"{__name__}:ModelPage", "opens models")])
    good, broken = tmp_path / "good.keras", tmp_path / "broken.keras"
    for model in (good, broken):
        model.write_bytes(b"")
    window = keep(MainWindow(first_page="inspector", settings=_settings(tmp_path)))
    window.inspect_model(str(good))
    window.inspect_model(str(broken))
    assert window.current_page().opened == [str(good), str(broken)]
    assert RecentModels(_settings(tmp_path)).paths() == [str(good)]


def test_a_settings_file_edited_by_hand_does_not_keep_the_window_from_opening(keep, register_pages, tmp_path):
    register_pages([PageSpec("plain", "Plain", "Concepts", f"{__name__}:RememberingPage", "a page")])
    settings = _settings(tmp_path)
    for key, value in {"zoom": "big", "geometry": "junk", "last_page": 5, "recent_models": 3, "last_folder": 7}.items():
        settings.setValue(key, value)
    window = keep(MainWindow(settings=settings))
    assert window.current_page_name() == "plain"
    assert window.zoom_level() == 1.0
    assert window.recent_menu.recent.paths() == []


def test_a_settings_file_of_random_bytes_does_not_keep_the_window_from_opening(keep, register_pages, tmp_path):
    register_pages([PageSpec("plain", "Plain", "Concepts", f"{__name__}:RememberingPage", "a page")])
    (tmp_path / "settings.ini").write_bytes(bytes(range(256)) * 8)
    window = keep(MainWindow(settings=_settings(tmp_path)))
    assert window.current_page_name() == "plain"
    assert window.zoom_level() == 1.0 and window.recent_menu.recent.paths() == []
