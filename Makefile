# tedge in C. See README.md; build settings live in config.mk.
.POSIX:
.SUFFIXES:
.SUFFIXES: .c .o

include config.mk

PROGS = bin/tedge bin/tedge-config
SCRIPTS =
HELPERS = t/helper/tedge-test t/helper/toml-dump
MAN1 = man/tedge.1 man/tedge-config.1

LIBOBJ = lib/err.o lib/xalloc.o lib/paths.o lib/fs.o lib/toml.o lib/config.o \
	lib/pem.o lib/spawn.o
HDR = lib/tedge.h lib/toml.h

all: $(PROGS)

.c.o:
	$(CC) $(CPPFLAGS) -Ilib $(CFLAGS) -c -o $@ $<

$(LIBOBJ) $(PROGS:=.o) $(HELPERS:=.o): $(HDR) config.mk

lib/libtedge.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

bin/tedge: bin/tedge.o lib/libtedge.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ bin/tedge.o lib/libtedge.a

bin/tedge-config: bin/tedge-config.o lib/libtedge.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ bin/tedge-config.o lib/libtedge.a

t/helper/tedge-test: t/helper/tedge-test.o lib/libtedge.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ t/helper/tedge-test.o lib/libtedge.a

t/helper/toml-dump: t/helper/toml-dump.o lib/libtedge.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ t/helper/toml-dump.o lib/libtedge.a

# Installs what the build and the tests need, when root and when missing.
deps:
	@sh scripts/deps check

# Every test, under the system sh (dash on Debian) and under BusyBox ash.
check: deps
	$(MAKE) all helpers
	$(MAKE) test

helpers: $(HELPERS)

test: all helpers
	cd t && $(PROVE) $(PROVE_OPTS) ./t[0-9]*.sh
	cd t && TEST_SHELL_PATH='busybox sh' $(PROVE) $(PROVE_OPTS) -e 'busybox sh' ./t[0-9]*.sh

# ASan + UBSan over the whole suite; errors abort, so no test can pass one.
sanitize: deps
	$(MAKE) clean
	$(MAKE) all helpers CFLAGS='$(CFLAGS) -O1 $(SANFLAGS)' LDFLAGS='$(SANFLAGS)'
	cd t && ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
		UBSAN_OPTIONS=abort_on_error=1:print_stacktrace=1 \
		$(PROVE) $(PROVE_OPTS) ./t[0-9]*.sh
	$(MAKE) clean

# Programs run under valgrind (t/lib.sh wraps them when TEST_VALGRIND=1).
valgrind: deps all helpers
	cd t && TEST_VALGRIND=1 $(PROVE) $(PROVE_OPTS) ./t[0-9]*.sh

FUZZ_SECONDS = 120
fuzz:
	@sh scripts/deps fuzz
	mkdir -p t/fuzz/out
	clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib $(CPPFLAGS) \
		-o t/fuzz/fuzz-toml t/fuzz/fuzz-toml.c lib/toml.c
	mkdir -p t/fuzz/corpus-run && cp t/fuzz/corpus-toml/* t/fuzz/corpus-run/
	t/fuzz/fuzz-toml -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
		-print_final_stats=1 t/fuzz/corpus-run

bench: all helpers
	sh bench/config-get

demo:
	@echo "make demo: the end-to-end story arrives with tedge connect (issue 7)."
	@echo "Until then: make check, and see README.md for what each program does."

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(SYSCONFDIR)/tedge
	for p in $(PROGS) $(SCRIPTS); do install -m 755 $$p $(DESTDIR)$(BINDIR)/; done
	for m in $(MAN1); do install -m 644 $$m $(DESTDIR)$(MANPREFIX)/man1/; done
	[ -e $(DESTDIR)$(SYSCONFDIR)/tedge/tedge.toml ] || \
		install -m 644 etc/tedge.toml $(DESTDIR)$(SYSCONFDIR)/tedge/tedge.toml

uninstall:
	for p in $(PROGS) $(SCRIPTS); do rm -f $(DESTDIR)$(BINDIR)/$${p#bin/}; done
	for m in $(MAN1); do rm -f $(DESTDIR)$(MANPREFIX)/man1/$${m#man/}; done

lint:
	shellcheck -s sh t/lib.sh t/*.sh scripts/deps bench/config-get

clean:
	rm -f $(PROGS) $(PROGS:=.o) $(LIBOBJ) lib/libtedge.a $(HELPERS) $(HELPERS:=.o) \
		t/fuzz/fuzz-toml
	rm -rf t/trash.* t/fuzz/out t/fuzz/corpus-run

.PHONY: all deps check helpers test sanitize valgrind fuzz bench demo install uninstall lint clean
