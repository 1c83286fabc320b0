# idle: the board runs no program. Nothing is allocated between samples, so
# successive samples differ only by what the raw REPL itself costs (about
# 130 bytes of garbage per sample, collected now and then).


def step():
    pass
