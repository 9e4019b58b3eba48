"""Background sweep of AZ-NAS E, P, T on TransNAS-Bench-101 micro (resumable: rerun it).

    nohup nice -n 5 .venv/bin/python data/scores/run_tnb101_micro.py main  > /tmp/tnb_main.log 2>&1 &
    nohup nice -n 5 .venv/bin/python data/scores/run_tnb101_micro.py study > /tmp/tnb_study.log 2>&1 &

main: the chosen configuration (64x64, batch 32) on the suite's 711 architectures, the
100-architecture study sample first. study: the same 100 at 32x32/bs64, 128x128/bs16 and
256x256/bs8 (the resolution study of notebooks/tnb101_aznas.ipynb).
"""
import sys

from aznas_core import sweep
from aznas_core.benchmarks import zc_suite
from aznas_core.proxies import Config

EPT = ("expressivity", "progressivity", "trainability")


def cfg(resolution, batch_size):
    return Config(space="tnb101_micro", dataset="class_object", resolution=resolution,
                  batch_size=batch_size)


if __name__ == "__main__":
    sample = zc_suite.tnb101_study_archs()
    if sys.argv[1] == "main":
        r, b = zc_suite.TNB101_AZNAS_CONFIG
        suite = list(zc_suite.load("tnb101_micro", "class_object")["arch"])
        for archs in (sample, suite):
            print(sweep.run(archs, EPT, cfg(r, b), workers=1, chunk_size=10), flush=True)
    else:
        for r, b in [(128, 16), (256, 8), (32, 64)]:
            print(r, b, sweep.run(sample, EPT, cfg(r, b), workers=1, chunk_size=10), flush=True)
