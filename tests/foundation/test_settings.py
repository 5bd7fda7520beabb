"""Settings: embedded defaults, environment and TOML, and errors that name the variable."""

import pytest

from storage.settings import SettingsError, load_settings


def test_embedded_defaults_live_under_the_data_dir(tmp_path):
    settings = load_settings({"CHAMBER_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'chamber.db'}"
    assert settings.storage_url == str(tmp_path / "blobs")
    assert settings.web_port == 8080 and settings.rtmp_port == 1935
    assert settings.reconnect_grace_seconds == 300
    assert settings.whisper_model == "tiny.en"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_settings({"CHAMBER_DATA_DIR": str(tmp_path)}).secret_key
    second = load_settings({"CHAMBER_DATA_DIR": str(tmp_path)}).secret_key
    assert len(first) > 40 and first == second


@pytest.mark.parametrize("name, value", [
    ("CHAMBER_WEB_PORT", "eighty"),
    ("CHAMBER_RTMP_PORT", "70000"),
    ("CHAMBER_RECONNECT_GRACE_SECONDS", "-5"),
    ("CHAMBER_DATABASE_URL", "mysql://root@localhost/chamber"),
    ("CHAMBER_STORAGE_URL", "s3://"),
    ("CHAMBER_TRANSCODE_LADDER", "720p,4k"),
    ("CHAMBER_SHOW_PUBLIC_VIEW_COUNTS", "maybe"),
    ("CHAMBER_TIMEZONE", "Europe/Atlantis"),
])
def test_bad_values_fail_naming_the_variable(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({"CHAMBER_DATA_DIR": str(tmp_path), name: value})


def test_toml_file_is_read_and_environment_wins(tmp_path):
    config = tmp_path / "chamber.toml"
    config.write_text('[chamber]\nweb_port = 9000\nrtmp_port = 1940\ntranscode_ladder = ["720p", "360p"]\n')
    settings = load_settings({"CHAMBER_DATA_DIR": str(tmp_path), "CHAMBER_CONFIG": str(config),
                              "CHAMBER_WEB_PORT": "9100"})
    assert settings.web_port == 9100
    assert settings.rtmp_port == 1940
    assert settings.transcode_ladder == ("720p", "360p")


def test_unknown_toml_setting_is_refused(tmp_path):
    config = tmp_path / "chamber.toml"
    config.write_text("web_prot = 9000\n")
    with pytest.raises(SettingsError, match="web_prot"):
        load_settings({"CHAMBER_DATA_DIR": str(tmp_path), "CHAMBER_CONFIG": str(config)})
