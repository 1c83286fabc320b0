# SPDX-License-Identifier: MIT
# heapwatch - one GNU Makefile: build, check, lint, fuzz, bench, install.
# Project flags live apart from the user's CFLAGS, so `make CFLAGS=-O0`
# cannot drop the warnings (st config.mk style).

PKG_CONFIG ?= pkg-config
PKGS       := libserialport ncursesw libcjson
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANPREFIX  ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
CC         ?= cc
CFLAGS     ?= -O2 -g

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wpointer-arith -Wcast-qual -Wwrite-strings -Wformat=2 -Wundef \
        -Wvla -Wnull-dereference -Wdouble-promotion -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN += -Werror
endif

BUILD := build
SAN   :=
RUN   :=
ifeq ($(SANITIZE),1)
BUILD := build/san
SAN   := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
# clang, unless CC is given: gcc links UBSan as a runtime of its own beside
# ASan's, and that one ignores log_path, so its reports would go to the
# stderr that the tests capture (tests/sanitize.sh needs them in files).
ifeq ($(origin CC),default)
CC := clang
endif
# unit, golden and e2e run under tests/sanitize.sh: every report fatal and
# in a file under build/san/reports, and any file there fails the target
RUN := tests/sanitize.sh $(BUILD)/reports
endif

# The layers, each a folder of modules with their headers beside them:
# base <- model <- parse, link, out, ui <- session <- main.c
LAYERS      := base model parse link out ui session
INCLUDES    := -Isrc $(LAYERS:%=-Isrc/%)
HW_CPPFLAGS := $(INCLUDES) -D_POSIX_C_SOURCE=200809L -D_GNU_SOURCE \
               $(shell $(PKG_CONFIG) --cflags $(PKGS)) $(CPPFLAGS)
HW_CFLAGS   := -std=c11 $(WARN) $(SAN) $(CFLAGS) -MMD -MP
HW_LDFLAGS  := $(SAN) $(LDFLAGS)
LIBS        := $(shell $(PKG_CONFIG) --libs $(PKGS)) -lm
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

SRCS := $(sort $(wildcard src/*.c $(LAYERS:%=src/%/*.c)))
OBJS := $(addprefix $(BUILD)/,$(notdir $(SRCS:.c=.o)))
vpath %.c src $(LAYERS:%=src/%)
LIBOBJS := $(filter-out $(BUILD)/main.o,$(OBJS))

BIN := $(BUILD)/heapwatch

all: $(BIN)
ifneq ($(BUILD),build)
	@ln -sf san/heapwatch build/heapwatch-san
endif

$(BIN): $(OBJS)
	$(CC) $(HW_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%.o: %.c Makefile | $(BUILD)
	$(CC) $(HW_CPPFLAGS) $(HW_CFLAGS) -c -o $@ $<

$(BUILD) $(BUILD)/tests:
	mkdir -p $@

# ---- unit tests: each links only the modules it tests, so a stray
# dependency breaks the build (house style rule 1).
UNIT_TESTS := memparse metrics repl fmt capture agreement transport transport_net telnet heatmap history fmt_ui ui_stats json_text check diff report track config floor input
test_deps_memparse := memparse lines memline mapsym snapshot metrics blockmap util
test_deps_metrics  := metrics blockmap snapshot util
test_deps_repl     := repl util
test_deps_fmt      := fmt util
test_deps_agreement := capture stream input fmt memparse lines memline mapsym snapshot metrics blockmap util export_json json_text summary history trend text ui_stats fmt_ui verdict judge leak check
test_deps_capture  := capture stream input fmt memparse lines memline mapsym snapshot metrics blockmap util
test_deps_transport := transport transport_serial transport_tty transport_exec transport_io transport_net telnet util
test_deps_telnet   := telnet util
test_deps_transport_net := $(test_deps_transport)
test_deps_heatmap  := heatmap blockmap snapshot metrics util
test_deps_history  := history trend blockmap snapshot metrics util
test_deps_fmt_ui   := fmt_ui fmt snapshot util
test_deps_ui_stats := ui_stats fmt_ui fmt snapshot metrics blockmap util
test_deps_json_text := json_text export_json summary memparse lines memline mapsym snapshot metrics blockmap util judge leak check stream fmt
test_deps_check    := check judge leak summary blockmap snapshot metrics fmt util
test_deps_diff     := diff summary metrics blockmap snapshot util
test_deps_config   := config
test_deps_floor    := floor
test_deps_input    := input util
test_deps_track    := track verdict json_text judge leak check summary snapshot metrics blockmap fmt util
test_deps_report   := report report_html svg html trend advice text heatmap stream summary snapshot metrics blockmap fmt util verdict judge leak check

UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/tests/test_%)

define unit_rule
$(BUILD)/tests/test_$(1): tests/unit/test_$(1).c $(test_deps_$(1):%=$(BUILD)/%.o) | $(BUILD)/tests
	$$(CC) $$(HW_CPPFLAGS) $$(HW_CFLAGS) -Wno-missing-prototypes -o $$@ $$(filter %.c %.o,$$^) $$(HW_LDFLAGS) $$(LIBS) $$(CMOCKA_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

unit: $(UNIT_BINS)
	@$(RUN) sh -c 'set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done'

golden: $(BIN)
	@$(RUN) tests/golden.sh $(BIN)

e2e: $(BIN)
	@$(RUN) tests/e2e/run.sh $(BIN)

check: unit golden lint e2e

# the e2e suites with heapwatch under valgrind memcheck (a subset: see
# tests/memcheck.sh); fails on any invalid access or definite leak
memcheck: $(BIN)
	@tests/memcheck.sh $(BIN)

# fixtures-update: regenerate expected JSON; review the diff before committing
fixtures-update: $(BIN)
	@tests/golden.sh --update $(BIN)

lint:
	@tests/lint.sh $(BIN)

# every C file as .clang-format says; lint checks it holds
FORMATTED = $(SRCS) $(wildcard src/*.h $(LAYERS:%=src/%/*.h) tests/unit/*.c tests/fuzz/*.c bench/*.c)
format:
	clang-format -i $(FORMATTED)

format-check:
	@clang-format --dry-run -Werror $(FORMATTED)

headercheck:
	@set -e; for h in src/*.h $(LAYERS:%=src/%/*.h); do \
	  echo "#include \"$$(basename $$h)\"" | $(CC) $(HW_CPPFLAGS) -std=c11 $(WARN) -x c -fsyntax-only -; done; \
	  echo "headers self-contained"

# ---- fuzzing (clang, libFuzzer); FUZZ_SECONDS bounds each run
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := memparse repl capture check telnet
fuzz_deps_memparse := memparse lines blockmap memline mapsym snapshot metrics util
fuzz_deps_repl     := repl util
fuzz_deps_capture  := capture stream input fmt memparse lines memline mapsym snapshot metrics blockmap util
fuzz_deps_check    := check fmt util
fuzz_deps_telnet   := telnet util
FUZZ_FLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined $(INCLUDES) -D_POSIX_C_SOURCE=200809L -D_GNU_SOURCE

build/fuzz:
	mkdir -p $@

define fuzz_rule
build/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(foreach m,$(fuzz_deps_$(1)),$(filter %/$(m).c,$(SRCS))) | build/fuzz
	clang $$(FUZZ_FLAGS) -o $$@ $$^
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

fuzz: $(FUZZ_TARGETS:%=build/fuzz/fuzz_%)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

FRAME_OBJS := $(addprefix $(BUILD)/,ui.o ui_draw.o ui_trends.o ui_stats.o fmt_ui.o fmt.o heatmap.o blockmap.o history.o trend.o snapshot.o metrics.o util.o)
$(BUILD)/bench_frame: bench/frame.c $(FRAME_OBJS)
	$(CC) $(HW_CPPFLAGS) $(HW_CFLAGS) -Wno-missing-prototypes -o $@ $(filter %.c %.o,$^) $(HW_LDFLAGS) $(LIBS)

bench: $(BIN) $(BUILD)/bench_frame
	@bench/run.sh $(BIN)
	@bench/live.sh $(BIN)
	@bench/ui.sh $(BIN) $(BUILD)/bench_frame
	@bench/replay.sh $(BIN)
	@bench/report.sh $(BIN)
	@bench/soak.sh $(BIN)

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(COMPLETIONDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/heapwatch
	install -m 644 man/heapwatch.1 $(DESTDIR)$(MANPREFIX)/man1/heapwatch.1
	install -m 644 completion/heapwatch $(DESTDIR)$(COMPLETIONDIR)/heapwatch

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/heapwatch $(DESTDIR)$(MANPREFIX)/man1/heapwatch.1 \
	      $(DESTDIR)$(COMPLETIONDIR)/heapwatch

# package: build the Debian package from the tracked files and test it
# (lintian, hardening-check, a dpkg install into a scratch root)
package: $(BIN)
	@tests/package.sh $(BIN)

clean:
	rm -rf build

.PHONY: all unit golden e2e check memcheck fixtures-update lint format format-check headercheck fuzz bench install uninstall package clean

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d)
