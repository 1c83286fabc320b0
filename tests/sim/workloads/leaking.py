# leaking: a program with a leak. Every tick it appends an "event record" to a
# global list that nothing ever trims, so the live heap grows by ~150 bytes per
# tick until the heap is nearly full. Then the next allocation fails the way it
# would on a board with a fixed heap: MemoryError, and the program stops (the
# leaked objects stay).

import gc

_events = []
_n = 0


def step():
    global _n
    _n += 1
    if gc.mem_alloc() > SIM_HEAP_TOTAL * 0.88:
        gc.collect()
        if gc.mem_alloc() > SIM_HEAP_TOTAL * 0.88:
            raise MemoryError("memory allocation failed, allocating 64 bytes")
    _events.append(("event %d" % _n, bytearray(64)))
