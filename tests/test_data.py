import shutil

import pytest

from aznas_core import data


def test_missing_file_error_names_file_and_source(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "data_dirs", lambda: [tmp_path])
    with pytest.raises(data.DataError, match="missing data file 'nb201/nats_tss_test_accuracy_200ep.csv'.*sha256"):
        data.external_file("nb201/nats_tss_test_accuracy_200ep.csv")


def test_checksum_mismatch_is_reported(tmp_path, monkeypatch):
    src = data.external_file("nb201/flops_params_fixture.csv")
    (tmp_path / "nb201").mkdir()
    dst = tmp_path / "nb201" / "flops_params_fixture.csv"
    shutil.copy(src, dst)
    with open(dst, "a") as f:
        f.write("tampered\n")
    monkeypatch.setattr(data, "data_dirs", lambda: [tmp_path])
    with pytest.raises(data.DataError, match="checksum mismatch.*expected sha256 d142ee1e"):
        data.external_file("nb201/flops_params_fixture.csv")


def test_env_var_takes_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("AZNAS_DATA_DIR", str(tmp_path))
    assert data.data_dirs()[0] == tmp_path
