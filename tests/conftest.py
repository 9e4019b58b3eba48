import numpy as np
import pytest

from aznas_core import nb201


@pytest.fixture(scope="session")
def some_archs():
    rng = np.random.default_rng(123)
    return [nb201.archs()[i] for i in rng.choice(15625, 12, replace=False)]
