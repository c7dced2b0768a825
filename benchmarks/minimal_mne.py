"""The plain MNE-Python script eegstate's lean configuration is timed against (``make bench``).

Read, notch, band-pass, 4-s epochs, Welch PSD and band power of EEGBCI recordings in one
process, written to one TSV: what a user would type without a workflow. Run::

    python benchmarks/minimal_mne.py --data-dir DIR --subjects 2 3 4 26 --out bandpower.tsv
"""

import argparse

import mne
import numpy as np
import pandas as pd

BANDS = {"delta": (1, 4), "theta": (4, 8), "alpha": (8, 13), "beta": (13, 30), "gamma": (30, 45)}

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--data-dir", required=True, help="MNE cache folder holding EEGBCI")
parser.add_argument("--subjects", type=int, nargs="+", default=[2, 3, 4, 26])
parser.add_argument("--runs", type=int, nargs="+", default=[1, 2])
parser.add_argument("--out", required=True, help="output TSV")
args = parser.parse_args()
rows = []
paths = mne.datasets.eegbci.load_data(
    args.subjects, args.runs, path=args.data_dir, update_path=False
)
for path in paths:
    raw = mne.io.read_raw_edf(path, preload=True, verbose="error")
    mne.datasets.eegbci.standardize(raw)
    raw.pick("eeg").notch_filter(60.0, verbose="error").filter(1.0, 45.0, verbose="error")
    epochs = mne.make_fixed_length_epochs(raw, duration=4.0, preload=True, verbose="error")
    n = round(2.0 * raw.info["sfreq"])
    spectrum = epochs.compute_psd(
        "welch", fmin=1, fmax=45, n_fft=n, n_overlap=n // 2, verbose="error"
    )
    psd, freqs = spectrum.get_data(return_freqs=True)
    for band, (low, high) in BANDS.items():
        power = psd.mean(0)[:, (freqs >= low) & (freqs < high)].sum(-1) * (freqs[1] - freqs[0])
        for channel, value in zip(epochs.ch_names, 10 * np.log10(power * 1e12), strict=True):
            rows.append({"file": str(path), "channel": channel, "band": band, "power_db": value})
pd.DataFrame(rows).to_csv(args.out, sep="\t", index=False)
