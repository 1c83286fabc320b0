# steady: a well-behaved program. Every tick it builds a fresh reading (a
# buffer, a list and a dict of the same sizes) and drops the previous one, so
# it allocates and frees the same amount each tick: the live heap stays flat
# and only uncollected garbage makes "used" rise and fall (a regular sawtooth).

_n = 0
_reading = None


def step():
    global _n, _reading
    _n += 1
    buf = bytearray(256)
    for i in range(0, 256, 16):
        buf[i] = (_n + i) & 0xFF
    _reading = {
        "seq": _n,
        "raw": buf,
        "samples": [(_n * 7 + i) % 1000 for i in range(24)],
        "label": "reading %05d" % _n,
    }
