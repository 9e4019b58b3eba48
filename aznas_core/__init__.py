"""aznas_core: zero-cost proxies for training-free NAS, as in AZ-NAS (CVPR 2024).

Public API::

    import aznas_core
    aznas_core.nb201.archs()                      # 15,625 cell strings, benchmark order
    aznas_core.nb201.flops_params(arch, dataset)  # (MFLOPs, M params), NATS API / authors' count
    aznas_core.nb201.ground_truth()               # tidy test-accuracy frame
    aznas_core.PROXIES                            # the registry: AZ-NAS's four and the baselines
    aznas_core.score(arch, proxies=..., dataset="cifar10", batch_size=64,
                     init="kaiming_fan_in", seed=0)  # {proxy: value}; or config=Config(...)
    aznas_core.aggregate.nonlinear(frame, columns)   # Eq. 12; .linear for rank sums
    aznas_core.sweep.scores(dataset=...)          # cached scores of the whole space
    aznas_core.score_model(model, x, blocks=[...])  # E, P, T of any nn.Module (named blocks)
    aznas_core.suggest_blocks(model)              # blocks of a ResNet/MobileNet/ViT-like model
    aznas_core.model_complexity(model, x)         # MFLOPs (NATS convention), M params, any size
    aznas_core.list_proxies()                     # every proxy: family, needs, sign, cost
"""
from aznas_core.version import __version__  # noqa: E402,F401

from aznas_core import aggregate, metrics, nb201, sweep  # noqa: E402
from aznas_core.config import Config  # noqa: E402
from aznas_core.proxies import AZNAS, PROXIES  # noqa: E402
from aznas_core.scoring import score  # noqa: E402
from aznas_core.model import score_model, suggest_blocks  # noqa: E402
from aznas_core.flops import model_complexity  # noqa: E402
from aznas_core.proxies.registry import list_proxies  # noqa: E402

__all__ = ["AZNAS", "PROXIES", "Config", "aggregate", "list_proxies", "metrics",
           "model_complexity", "nb201", "score", "score_model", "suggest_blocks", "sweep",
           "__version__"]
