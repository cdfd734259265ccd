"""What the benchmark scripts share: the seeded synthetic samples they run on."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_CACHE = Path(tempfile.gettempdir()) / "riskmap-bench"


def cached_sample(n: int, cache: Path = DEFAULT_CACHE, *, seed: int = 42) -> Path:
    """The synthetic sample with ``n`` enterprises (seed 42), generated once into ``cache``."""
    from data.sample import generate_sample

    root = Path(cache) / f"sample_{n}"
    if not (root / "dataset.json").is_file():
        t = time.perf_counter()
        generate_sample(root, seed=seed, n_enterprises=n, quiet=True)
        print(f"  generated {n:,} enterprises in {time.perf_counter() - t:.1f} s", flush=True)
    return root
