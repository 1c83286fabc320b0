# bursty: a mostly quiet program with occasional big temporary allocations
# (think: building an HTTP response or decoding a JSON document). On about one
# tick in eight it allocates a buffer of ~1/6 of the heap plus a list of small
# objects, holds them for 1-4 ticks, then drops them. Samples show "used"
# jumping up and falling back, and "max free sz" dipping during a burst.

import gc
import random

_burst = None
_hold = 0
_n = 0
_BIG = SIM_HEAP_TOTAL // 6


def step():
    global _burst, _hold, _n
    _n += 1
    _tmp = "status %d" % _n  # a little steady churn
    if _hold:
        _hold -= 1
        if not _hold:
            _burst = None
        return
    if random.getrandbits(3) == 0:
        if gc.mem_alloc() + _BIG + 2048 > SIM_HEAP_TOTAL * 0.9:
            gc.collect()  # what the allocator would do on a full heap
        _burst = [bytearray(_BIG), [("item", i) for i in range(60)]]
        _hold = 1 + random.getrandbits(2)
