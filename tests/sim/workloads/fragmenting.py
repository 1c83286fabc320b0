# fragmenting: a program that fragments its heap. Every tick it allocates a
# batch of small buffers of mixed sizes and keeps every other one, so the freed
# half leaves small holes between survivors. Every few ticks it keeps a large
# buffer too (those must go above the holes), and once enough survivors exist it
# releases random old ones, which scatters more holes. Free memory stays large
# while "max free sz" (the largest contiguous free run) shrinks.

import gc
import random

_small = []
_large = []
_n = 0
_MAX_SMALL = SIM_HEAP_TOTAL // 180  # ~350 survivors in a 64 KB heap
_LARGE = SIM_HEAP_TOTAL // 32  # 2000 bytes in a 64 KB heap


def step():
    global _n
    _n += 1
    batch = [bytearray(8 + (i % 5) * 12) for i in range(32)]
    _small.extend(batch[1::2])  # every other one survives
    batch = None
    while len(_small) > _MAX_SMALL:
        _small.pop(random.getrandbits(16) % len(_small))
    if _n % 4 == 0:
        if gc.mem_alloc() + _LARGE > SIM_HEAP_TOTAL * 0.9:
            gc.collect()
        _large.append(bytearray(_LARGE))
        if len(_large) > 5:
            _large.pop(0)
