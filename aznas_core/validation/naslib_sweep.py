"""Cache our scores of NASLib's NAS-Bench-Suite-Zero architectures (725 per NB201 dataset).

    python -m aznas_core.validation.naslib_sweep [--variant zc] [--proxies ...]

Runs `aznas_core.sweep.run` (resumable, verified shards) on each dataset's suite
architectures, so `notebooks/proxies.ipynb` can set our scores beside NASLib's real-data
scores. Default: the proxies NASLib published, in the zero-cost-nas/NASLib variant.
"""
from __future__ import annotations

import argparse
import time

from aznas_core import sweep
from aznas_core.benchmarks import zc_suite
from aznas_core.proxies import Config

GROUPS = (("l2_norm", "synflow", "nwot"),
          ("grad_norm", "snip", "plain", "fisher", "jacob_cov", "epe_nas"), ("grasp",))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--variant", default="zc")
    ap.add_argument("--proxies", default=None, help="comma-separated (default: NASLib's)")
    ap.add_argument("--datasets", default="cifar10,cifar100,ImageNet16-120")
    ap.add_argument("--inputs", default="synthetic_cifar10",
                    help="input source of the data-reading proxies (default synthetic_cifar10; "
                         "natural: the real photographs)")
    ap.add_argument("--workers", type=int, default=1,
                    help="processes (default 1: serial, in this process)")
    args = ap.parse_args(argv)
    groups = [args.proxies.split(",")] if args.proxies else GROUPS
    for group in groups:
        for ds in args.datasets.split(","):
            archs = list(zc_suite.load("nb201", ds).arch)
            t = time.time()
            s = sweep.run(archs=archs, proxies=group, cfg=Config(dataset=ds, variant=args.variant,
                                                              inputs=args.inputs),
                          workers=args.workers,
                          executor="serial" if args.workers == 1 else "local",
                          chunk_size=25, progress=False)
            print(ds, group, round(time.time() - t), s, flush=True)


if __name__ == "__main__":
    main()
