"""Choosing the model: the bundled tiny.en offline by default, another folder or device when configured."""

from __future__ import annotations

import pytest

from storage.settings import Settings
from transcription.model import ModelNotFound, bundled_model_path, choose_model


def test_the_bundled_model_runs_on_the_cpu_in_int8_without_a_gpu():
    choice = choose_model(Settings())
    assert choice.name == "tiny.en" and choice.path == bundled_model_path()
    assert (choice.path / "model.bin").is_file()
    assert (choice.device, choice.compute_type) == ("cpu", "int8")


def test_settings_choose_another_model_folder_device_and_precision():
    folder = str(bundled_model_path())
    choice = choose_model(Settings(whisper_model=folder, whisper_device="cpu", whisper_compute_type="float32"))
    assert (choice.path, choice.device, choice.compute_type) == (bundled_model_path(), "cpu", "float32")
    assert choose_model(Settings(whisper_device="cuda")).compute_type == "float16"


def test_a_jobs_model_wins_over_the_setting_and_must_exist_locally(tmp_path):
    assert choose_model(Settings(whisper_model="no-such-model"), name="tiny.en").path == bundled_model_path()
    with pytest.raises(ModelNotFound, match="never downloads"):
        choose_model(Settings(), name="no-such-model-anywhere")
    (tmp_path / "model").mkdir()
    with pytest.raises(ModelNotFound, match="without model.bin"):
        choose_model(name=str(tmp_path / "model"))
