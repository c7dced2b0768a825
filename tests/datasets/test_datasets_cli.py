"""``eegstate datasets`` and ``eegstate fetch`` (offline: only local data are fetched)."""

from __future__ import annotations

import shutil
import zipfile

import mne
from helpers.raws import make_raw

from eegstate.cli import main
from eegstate.datasets import ADAPTERS, dataset_citation
from eegstate.datasets.farnes import ZIP_NAME
from eegstate.datasets.registry import BUILTIN


def test_datasets_lists_every_adapter_with_licence_and_citation(capsys):
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert set(BUILTIN) <= set(ADAPTERS)
    for name in ADAPTERS:
        assert f"\n{name}\n" in f"\n{out}"
    assert "ODC-By 1.0" in out and "CC0" in out
    assert "doi:10.5061/dryad.j9kd51c9q" in out.replace("\n           ", " ")


def test_dataset_citation_names_the_data():
    assert "Farnes N" in dataset_citation({"adapter": "farnes-ketamine"})
    assert "Kemp B" in dataset_citation({"adapter": "sleep-physionet"})
    openneuro = dataset_citation({"adapter": "openneuro", "openneuro": {"accession": "ds005620"}})
    assert "ds005620" in openneuro and "OpenNeuro" in openneuro


def test_fetch_unpacks_a_manually_downloaded_zip(tmp_path, capsys):
    names = ["7_20170101_0002_eyesClosed_afterICA.set", "7_20170101_0006_eyesClosed_afterICA.set"]
    with zipfile.ZipFile(tmp_path / ZIP_NAME, "w") as bundle:
        for seed, name in enumerate(names):
            path = tmp_path / name
            mne.export.export_raw(path, make_raw(n_seconds=10, seed=seed), verbose="error")
            bundle.write(path, f"Spontaneous/{name}")
            path.unlink()
    data = tmp_path / "data"
    data.mkdir()
    shutil.move(tmp_path / ZIP_NAME, data / ZIP_NAME)
    assert main(["fetch", "farnes-ketamine", "--path", str(data)]) == 0
    out = capsys.readouterr().out
    assert f"farnes-ketamine: 3 files in {data}" in out
    assert "Done: 0 file(s) downloaded" in out
    assert (data / "Spontaneous" / names[0]).is_file()


def test_fetch_of_a_local_adapter_is_an_error(tmp_path, capsys):
    config = tmp_path / "config.yaml"
    states = "{a: {entities: {task: a}}, b: {entities: {task: b}}}"
    config.write_text(
        f"adapter: bids\nbids: {{root: /data, states: {states}}}\nbaseline: a\ntarget: b\n"
    )
    assert main(["fetch", "--configfile", str(config)]) == 2
    assert "reads local files: nothing to fetch" in capsys.readouterr().err


def test_fetch_eegbci_verifies_present_files_against_mne_checksums(eegbci_dir, capsys):
    assert main(["fetch", "eegbci", "--subjects", "2", "--path", str(eegbci_dir)]) == 0
    assert "verified 2 already present against their checksums" in capsys.readouterr().out
