# bench/workloads/psram.py - a large PSRAM-style heap, half full and
# fragmented: objects of mixed sizes, every other one freed, a few large
# buffers among them; for `make bench` with device.mjs --heap 8m. It fills
# a little per tick, collecting after each, so the VM reuses its holes
# instead of adding heap areas.
import gc
import random

_keep = []
_live = 0
_SIZES = (8, 16, 24, 40, 64, 100, 200, 400, 1000, 3000)


def _obj(n):
    if n > 24:
        return bytearray(n)
    return list(range(n // 8)) if n > 8 else (1.5, 2)


def step():
    global _live
    if _live >= SIM_HEAP_TOTAL // 2:
        return
    batch = [_obj(random.choice(_SIZES)) for _ in range(400)]
    for x in batch[::2]:  # every other one survives: holes between them
        _keep.append(x)
        _live += len(x) + 16 if isinstance(x, bytearray) else 32
    del batch
    gc.collect()
