# tedge in C. See README.md; build settings live in config.mk.
.POSIX:
.SUFFIXES:
.SUFFIXES: .c .o

include config.mk

PROGS = bin/tedge bin/tedge-config bin/tedge-cert bin/tedge-cert-http bin/tedge-bridge-gen bin/tedge-svc \
	bin/tedge-check
# Links to bin/tedge, which has these programs linked in (bin/builtin.h).
LINKS = bin/tedge-config bin/tedge-bridge-gen bin/tedge-svc
SCRIPTS = bin/tedge-connect bin/tedge-disconnect bin/tedge-reconnect bin/tedge-init bin/tedge-renew \
	bin/tedge-mqtt bin/tedge-completions
HELPERS = t/helper/tedge-test t/helper/toml-dump standin/c8y-responder
MAN1 = man/tedge.1 man/tedge-config.1 man/tedge-cert.1 man/tedge-cert-http.1 man/tedge-bridge-gen.1 \
	man/tedge-svc.1 man/tedge-check.1 man/tedge-connect.1 man/tedge-disconnect.1 \
	man/tedge-reconnect.1 man/tedge-init.1 man/tedge-renew.1 man/tedge-mqtt.1 man/tedge-completions.1

# libc (and json-c, for --json) only: in libtedge.so.0, which the programs share (SPEC §10: all of
# them together in 300 KB). x509.o needs OpenSSL, so it is linked into the
# programs that use it instead: a `tedge config get` loads no libcrypto.
LIBOBJ = lib/err.o lib/xalloc.o lib/env.o lib/paths.o lib/fs.o lib/toml.o lib/toml-text.o lib/toml-parse.o \
	lib/toml-write.o lib/config.o lib/keys.o lib/value.o lib/cloud.o lib/cred.o lib/pem.o lib/spawn.o lib/opt.o lib/json.o
HDR = lib/tedge.h lib/toml.h lib/toml-int.h lib/x509.h lib/cloud.h lib/cfg.h lib/opt.h
# In the tree and installed alike at BINDIR/../lib/tedge: one rpath entry,
# so the loader probes one directory for every library a program needs.
# A package whose programs never move names the directory itself
# (debian/rules: RPATH=/usr/lib/tedge): the loader learns $ORIGIN from
# /proc/self/exe, which a chroot without /proc (an image being built, a
# postinst there) does not have.
LIBSO = lib/tedge/libtedge.so.0
RPATH = $$ORIGIN/../lib/tedge
TEDGE_LIBS = $(LIBSO) -Wl,-rpath,'$(RPATH)'

all: $(PROGS)

.c.o:
	$(CC) $(CPPFLAGS) -Ilib $(CFLAGS) -fPIC -c -o $@ $<

$(LIBOBJ) lib/x509.o $(PROGS:=.o) $(HELPERS:=.o): $(HDR) config.mk Makefile

# The linker config.mk names, tried once before anything is linked.
lib/.linker-ok: config.mk scripts/try-linker
	@sh scripts/try-linker "$(CC)" "$(CFLAGS) $(LDFLAGS)"
	@touch $@

$(PROGS) $(HELPERS): lib/.linker-ok
$(LIBSO): $(LIBOBJ) lib/tedge.map lib/.linker-ok
	mkdir -p lib/tedge
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-soname,libtedge.so.0 -Wl,-Bsymbolic-functions \
		-Wl,--version-script=lib/tedge.map -o $@ $(LIBOBJ) $(JSON_LIBS)

# The same objects as an archive, for the test helpers.
lib/libtedge.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

# tedge-cert: one file per subcommand, and the files and OpenSSL parts they share
CERTOBJ = bin/cert/main.o bin/cert/files.o bin/cert/make.o bin/cert/create.o \
	bin/cert/show.o bin/cert/renew.o bin/cert/download.o bin/cert/promote.o
$(CERTOBJ): $(HDR) bin/cert/cert.h config.mk Makefile

# tedge-cert-http: the certificate's HTTPS requests (upload, EST enroll and
# reenroll), the only part of tedge-cert that loads libcurl; one file per
# concern: options, the request, each subcommand.
CERTHTTPOBJ = bin/cert-http/main.o bin/cert-http/http.o bin/cert-http/upload.o \
	bin/cert-http/est.o
$(CERTHTTPOBJ): $(HDR) bin/cert-http/cert-http.h config.mk Makefile
bin/tedge-cert-http: $(CERTHTTPOBJ) $(LIBSO)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CERTHTTPOBJ) $(TEDGE_LIBS) $(SSL_LIBS) $(CURL_LIBS) $(JSON_LIBS)

# One program from bin/check/: main.c, the run's state, the configuration,
# the prober, the session, Cumulocity's token, the doctor, and distro.c
# (libc only), what distributions do to the broker.
CHECKOBJ = bin/check/main.o bin/check/run.o bin/check/conf.o bin/check/probe.o \
	bin/check/sess.o bin/check/token.o bin/check/doctor.o bin/check/distro.o

$(CHECKOBJ): $(HDR) bin/check/check.h config.mk Makefile

# tedge-cert and tedge-check: one ELF (bin/builtin.h), tedge-check a link.
bin/tedge-cert.o bin/cert/main.o bin/check/main.o: bin/builtin.h
bin/tedge-cert: bin/tedge-cert.o $(CERTOBJ) $(CHECKOBJ) lib/x509.o $(LIBSO)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ bin/tedge-cert.o $(CERTOBJ) $(CHECKOBJ) lib/x509.o \
		$(TEDGE_LIBS) $(MOSQ_LIBS) $(SSL_LIBS)
bin/tedge-check: bin/tedge-cert
	ln -sf tedge-cert $@

# tedge-svc install takes the service definitions of init/ from INITDIR,
# where install-init puts them with their @PLACEHOLDERS@ filled in.
INITDIR = $(PREFIX)/share/tedge/init
MOSQUITTO_SBINDIR = /usr/sbin
INIT = init/systemd/mosquitto.service init/openrc/mosquitto \
	init/sysvinit/mosquitto init/runit/mosquitto/run init/s6/mosquitto/run \
	init/supervisord/mosquitto.conf \
	init/systemd/tedge-cert-renewer@.timer init/systemd/tedge-cert-renewer@.service \
	init/openrc/tedge-cert-renewer init/runit/tedge-cert-renewer/run \
	init/systemd/tedge-cert-renewer-c8y@.timer \
	init/systemd/tedge-cert-renewer-c8y@.service \
	init/openrc/tedge-cert-renewer-c8y@ init/runit/tedge-cert-renewer-c8y@/run

# One program from bin/svc/: main.c and a file per service manager.
SVCOBJ = bin/svc/main.o bin/svc/path.o bin/svc/run.o bin/svc/install.o \
	bin/svc/systemd.o bin/svc/initd.o bin/svc/openrc.o bin/svc/sysv.o \
	bin/svc/runit.o bin/svc/s6.o bin/svc/supervisord.o bin/svc/custom.o

$(SVCOBJ): $(HDR) bin/svc/svc.h config.mk Makefile

bin/svc/main.o: bin/svc/main.c
	$(CC) $(CPPFLAGS) -DINITDIR='"$(INITDIR)"' -Ilib $(CFLAGS) -fPIC -c -o $@ bin/svc/main.c

# tedge, tedge-config, tedge-bridge-gen and tedge-svc: one ELF, libc only.
TEDGEOBJ = bin/tedge.o bin/tedge-config.o bin/tedge-bridge-gen.o $(SVCOBJ)
bin/tedge.o bin/tedge-config.o bin/tedge-bridge-gen.o bin/svc/main.o: bin/builtin.h
bin/tedge: $(TEDGEOBJ) $(LIBSO)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(TEDGEOBJ) $(TEDGE_LIBS)
$(LINKS): bin/tedge
	ln -sf tedge $@

# What libtedge.so.0 exports: what the programs' objects use of it, the rest
# local (a smaller symbol table, and what no program calls is dropped).
# Here, below every list of objects it names: a rule's prerequisites are
# expanded when make reads it.
USEROBJ = $(TEDGEOBJ) bin/tedge-cert.o $(CERTOBJ) $(CHECKOBJ) lib/x509.o $(CERTHTTPOBJ)
lib/tedge.map: $(LIBOBJ) $(USEROBJ)
	nm -u $(USEROBJ) >$@.u
	nm -g --defined-only $(LIBOBJ) >$@.d
	awk 'NF == 2 { print $$2 }' $@.u | sort -u >$@.used
	awk 'NF == 3 { print $$3 }' $@.d | sort -u | comm -12 - $@.used | \
		{ echo '{ global:'; sed 's/$$/;/'; echo 'local: *; };'; } >$@.tmp
	rm -f $@.u $@.d $@.used && mv $@.tmp $@

# make static: tedge and its three links (libc only) built against musl and
# linked statically into static/bin (config.mk: MUSL_CC, STATIC_CFLAGS,
# STATIC_LDFLAGS); lib/ compiled for musl into static/lib/libtedge.a, no
# libtedge.so. One rule: a change compiles every file again (a few seconds).
# The program must run and ask for no loader.
STATIC_SRC = $(TEDGEOBJ:.o=.c) $(LIBOBJ:.o=.c)
STATIC_LINKS = static/bin/tedge-config static/bin/tedge-bridge-gen static/bin/tedge-svc
static:
	@sh scripts/deps static
	$(MAKE) static/bin/tedge $(STATIC_LINKS)

static/bin/tedge: $(STATIC_SRC) $(HDR) bin/builtin.h bin/svc/svc.h config.mk Makefile
	rm -rf static/obj static/lib && mkdir -p static/bin static/lib
	lib= obj=; for s in $(STATIC_SRC); do \
		o=static/obj/$${s%.c}.o; \
		case $$s in lib/*) lib="$$lib $$o" ;; *) obj="$$obj $$o" ;; esac; \
		mkdir -p "$${o%/*}" && \
		$(MUSL_CC) $(CPPFLAGS) -DINITDIR='"$(INITDIR)"' -DTEDGE_NO_JSON_C -Ilib $(STATIC_CFLAGS) -c -o "$$o" "$$s" || exit 1; \
	done; \
	$(AR) rcs static/lib/libtedge.a $$lib && \
	$(MUSL_CC) $(STATIC_CFLAGS) $(STATIC_LDFLAGS) -o $@.tmp $$obj static/lib/libtedge.a
	$@.tmp --version >/dev/null
	if readelf -lW $@.tmp | grep -q INTERP; then echo "$@ asks for a loader" >&2; exit 1; fi
	mv -f $@.tmp $@
$(STATIC_LINKS): static/bin/tedge
	ln -sf tedge $@

# The tests of what static/bin holds, under dash and BusyBox ash: the
# configuration (t1*), bridge-gen (t3*), the service managers (t400*-t404*;
# t4050 and t4051 copy bin/ into their systemd root) and the dispatcher
# (t9000). TEST_STATIC=1 makes t/lib.sh run the programs of static/exec:
# static/bin's tedge and links beside the dynamic build's other programs.
STATIC_TESTS = ./t1*.sh ./t3*.sh ./t40[0-4]*.sh ./t9000-tedge.sh
check-static: static all helpers
	rm -rf static/exec && mkdir static/exec
	for p in static/bin/tedge $(STATIC_LINKS); do ln -s ../bin/$${p#static/bin/} static/exec/ || exit 1; done
	for p in bin/tedge-cert bin/tedge-cert-http bin/tedge-check $(SCRIPTS) bin/tedge-flow.sh; do \
		ln -s ../../$$p static/exec/ || exit 1; \
	done
	cd t && TEST_STATIC=1 $(PROVE) $(PROVE_OPTS) $(STATIC_TESTS)
	cd t && TEST_STATIC=1 TEST_SHELL_PATH='busybox sh' $(PROVE) $(PROVE_OPTS) -e 'busybox sh' $(STATIC_TESTS)

# The Alpine package's functions (alpine/APKBUILD) run as abuild runs them,
# by t8010 in a copy of the tree (abuild is not packaged on Debian): the
# staged packages in t/trash.t8010-package-apk/build/src/alpine/pkg.
apk-stage: all helpers
	cd t && ./t8010-package-apk.sh -v -d
.PHONY: apk-stage

t/helper/tedge-test: t/helper/tedge-test.o lib/libtedge.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ t/helper/tedge-test.o lib/libtedge.a

t/helper/toml-dump: t/helper/toml-dump.o lib/libtedge.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ t/helper/toml-dump.o lib/libtedge.a

# The Cumulocity stand-in's answering side (standin/c8y-standin starts it).
standin/c8y-responder: standin/c8y-responder.o
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ standin/c8y-responder.o $(MOSQ_LIBS) $(SSL_LIBS)

# Installs what the build and the tests need, when root and when missing.
deps:
	@sh scripts/deps check

# Every test, under the system sh (dash on Debian) and under BusyBox ash;
# under BusyBox, the flow tests (t7*) with a PATH of BusyBox applets only
# (and the toolkit, mosquitto, openssl: t/lib.sh, TEST_BUSYBOX_PATH).
check: deps
	$(MAKE) all helpers
	$(MAKE) lint
	-$(MAKE) systemd-root
	$(MAKE) test

helpers: $(HELPERS)

test: all helpers
	cd t && $(PROVE) $(PROVE_OPTS) ./t[0-9]*.sh
	cd t && TEST_SHELL_PATH='busybox sh' $(PROVE) $(PROVE_OPTS) -e 'busybox sh' ./t[0-689]*.sh
	cd t && TEST_SHELL_PATH='busybox sh' TEST_BUSYBOX_PATH=1 $(PROVE) $(PROVE_OPTS) -e 'busybox sh' ./t7*.sh

# t4050 and t4051 boot systemd (PID 1 of a namespace) over a debootstrapped
# Debian: built once (about a minute, 250 MB, network), kept in t/.cache;
# without it they are skipped, saying so.
SYSTEMD_ROOT = t/.cache/systemd-root
systemd-root:
	sh t/svc-systemd-root.sh $(SYSTEMD_ROOT)

# The systemd tests alone, and the root must build (t8000: the Debian
# package installed there).
SYSTEMD_TESTS = ./t4050-svc-systemd.sh ./t4051-renew-systemd-timer.sh ./t8000-package-deb.sh
check-systemd: deps all helpers systemd-root
	cd t && $(PROVE) $(SYSTEMD_TESTS)
	cd t && TEST_SHELL_PATH='busybox sh' $(PROVE) -e 'busybox sh' $(SYSTEMD_TESTS)

# ASan + UBSan over the whole suite; errors abort, so no test can pass one.
sanitize: deps
	$(MAKE) clean
	$(MAKE) all helpers CFLAGS='$(CFLAGS) -O1 $(SANFLAGS)' LDFLAGS='$(SANFLAGS)'
	cd t && TEST_SANITIZE=1 ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
		UBSAN_OPTIONS=abort_on_error=1:print_stacktrace=1 \
		$(PROVE) $(PROVE_OPTS) ./t[0-9]*.sh
	$(MAKE) clean

# Programs run under valgrind (t/lib.sh puts the wrappers of t/valgrind/bin
# first when TEST_VALGRIND=1). An error or a definite leak exits 150,
# which test_must_fail refuses like a signal; each process writes what
# valgrind says to t/valgrind/log, not to the stderr the tests compare,
# and any report there (a possible leak too) fails the target.
# A file of its own per process, made by mktemp as the user it runs as:
# PIDs wrap at 32768 in a run, and the log of an earlier root process
# with the same PID was refused to nobody (valgrind exits 1, says so).
# t/valgrind.supp: the libraries' own, each said why.
VALGRIND = valgrind -q --error-exitcode=150 --leak-check=full \
	--errors-for-leak-kinds=definite --suppressions=$$PWD/t/valgrind.supp
valgrind: deps all helpers
	@sh scripts/deps valgrind
	rm -rf t/valgrind && mkdir -p t/valgrind/bin t/valgrind/log
	chmod 1777 t/valgrind/log	# programs the tests run as nobody log too
	for p in $(PROGS); do \
		n=$${p#bin/}; \
		printf '#!/bin/sh\nexec %s --log-file="$$(mktemp %s/t/valgrind/log/%s.XXXXXX)" "%s" "$$@"\n' \
			"$(VALGRIND)" "$$PWD" "$$n" "$$PWD/$$p" >t/valgrind/bin/$$n && \
		chmod +x t/valgrind/bin/$$n || exit 1; \
	done
	for p in $(SCRIPTS) bin/tedge-flow.sh; do ln -s "$$PWD/$$p" t/valgrind/bin/; done
	cd t && TEST_VALGRIND=1 $(PROVE) $(PROVE_OPTS) $(VALGRIND_TESTS); r=$$?; \
	cd .. && reports=$$(find t/valgrind/log -type f -size +0 | sort); \
	for f in $$reports; do echo "== $$f"; cat "$$f"; done; \
	n=$$(ls t/valgrind/log | wc -l); \
	echo "valgrind: $$n processes, $$(echo $$reports | wc -w) with a report"; \
	test $$r = 0 && test -z "$$reports"
VALGRIND_TESTS = ./t[0-9]*.sh

# libFuzzer (clang), one target after the other, FUZZ_SECONDS each, from
# the seeds of t/fuzz/corpus-NAME; what they find is kept in
# t/fuzz/out/corpus-NAME for the next run, crashes as t/fuzz/out/crash-NAME-*.
# `make fuzz FUZZ_TARGETS=pem FUZZ_SECONDS=600` for one, longer.
FUZZ_SECONDS = 120
FUZZ_TARGETS = toml config pem json
FUZZ_CC = clang
FUZZ_CFLAGS = -g -O1 -Wall -Wextra -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
# The TOML module (toml.h) needs nothing else of lib.
TOMLSRC = lib/toml.c lib/toml-text.c lib/toml-parse.c lib/toml-write.c
FUZZ_LIBSRC = lib/err.c lib/xalloc.c lib/env.c lib/paths.c lib/fs.c $(TOMLSRC) lib/config.c lib/keys.c lib/value.c \
	lib/cloud.c lib/pem.c lib/spawn.c
fuzz:
	@sh scripts/deps fuzz
	for t in $(FUZZ_TARGETS); do $(MAKE) t/fuzz/out/fuzz-$$t || exit 1; done
	for t in $(FUZZ_TARGETS); do \
		case $$t in config) max=4200 ;; pem) max=8192 ;; *) max=4096 ;; esac; \
		mkdir -p t/fuzz/out/corpus-$$t && cp t/fuzz/corpus-$$t/* t/fuzz/out/corpus-$$t/ && \
		t/fuzz/out/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -max_len=$$max \
			-print_final_stats=1 -artifact_prefix=t/fuzz/out/crash-$$t- \
			t/fuzz/out/corpus-$$t || exit 1; \
	done

t/fuzz/out/fuzz-toml: t/fuzz/fuzz-toml.c $(TOMLSRC) lib/toml.h lib/toml-int.h
	mkdir -p t/fuzz/out
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ilib $(CPPFLAGS) -o $@ t/fuzz/fuzz-toml.c $(TOMLSRC)

t/fuzz/out/fuzz-config: t/fuzz/fuzz-config.c $(FUZZ_LIBSRC) $(HDR)
	mkdir -p t/fuzz/out
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ilib $(CPPFLAGS) -o $@ t/fuzz/fuzz-config.c $(FUZZ_LIBSRC)

t/fuzz/out/fuzz-pem: t/fuzz/fuzz-pem.c $(FUZZ_LIBSRC) lib/x509.c $(HDR)
	mkdir -p t/fuzz/out
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ilib $(CPPFLAGS) -o $@ t/fuzz/fuzz-pem.c $(FUZZ_LIBSRC) \
		lib/x509.c $(SSL_LIBS)

# upload.c is included by the harness (to reach its static functions);
# the program's other files are linked beside it, its main renamed.
CERTHTTPSRC = bin/cert-http/main.c bin/cert-http/http.c bin/cert-http/est.c
t/fuzz/out/fuzz-json: t/fuzz/fuzz-json.c bin/cert-http/upload.c $(CERTHTTPSRC) bin/cert-http/cert-http.h \
		$(FUZZ_LIBSRC) lib/opt.c $(HDR)
	mkdir -p t/fuzz/out
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Ilib $(CPPFLAGS) -Dmain=cert_http_main -o $@ t/fuzz/fuzz-json.c \
		$(CERTHTTPSRC) $(FUZZ_LIBSRC) lib/opt.c $(SSL_LIBS) $(CURL_LIBS) $(JSON_LIBS)

# bench/connect-wan's link: a TCP proxy that delays each way, and the
# connect() that waits the handshake's round trip (LD_PRELOAD).
BENCH_TOOLS = standin/delay-proxy standin/delay-shim.so

# Each budget of SPEC §10 beside its baseline (connect needs root).
bench: all helpers $(BENCH_TOOLS)
	sh bench/config-get
	sh bench/cert-create
	sh bench/size
	sh bench/connect
	sh bench/connect-wan

bench-tools: $(BENCH_TOOLS)

standin/delay-proxy: standin/delay-proxy.c config.mk Makefile
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ standin/delay-proxy.c

standin/delay-shim.so: standin/delay-shim.c config.mk Makefile
	$(CC) $(CPPFLAGS) $(CFLAGS) -fPIC -shared $(LDFLAGS) -o $@ standin/delay-shim.c -ldl

# The seed's story against the Cumulocity stand-in, all in a temporary
# directory; the machine is left as it was.
demo: deps
	$(MAKE) all helpers
	sh scripts/demo

# The Debian package (debian/, ARCHITECTURE.md "Packaging"), built by
# dpkg-buildpackage in a copy of the files git knows, debian/out/src, so
# that the tree is neither cleaned nor written: tedge-c_VERSION_ARCH.deb
# in debian/out, then what lintian says of it.
deb:
	@sh scripts/deps deb
	rm -rf debian/out && mkdir -p debian/out/src
	git ls-files -co --exclude-standard -z | xargs -0 cp -P --parents -t debian/out/src
	cd debian/out/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b
	lintian debian/out/*.changes

# Shell completion: what `tedge completions` prints (the tree's, run here;
# it names no path), which asks the programs at each TAB. bash-completion
# loads a file by the command's name: one link for each tedge-COMMAND.
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/vendor-completions

# The programs find libtedge.so.0 in BINDIR/../lib/tedge (their rpath).
install: all install-init
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(BINDIR)/../lib/tedge \
		$(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(SYSCONFDIR)/tedge
	install -m 644 $(LIBSO) $(DESTDIR)$(BINDIR)/../lib/tedge/
	for p in $(PROGS); do [ -h $$p ] || install -m 755 $$p $(DESTDIR)$(BINDIR)/ || exit 1; done
	for p in $(LINKS); do ln -sf tedge $(DESTDIR)$(BINDIR)/$${p#bin/} || exit 1; done
	ln -sf tedge-cert $(DESTDIR)$(BINDIR)/tedge-check
	for p in $(SCRIPTS); do \
		sed 's|@BINDIR@|$(BINDIR)|g' $$p >$(DESTDIR)$(BINDIR)/$${p#bin/} && \
		chmod 755 $(DESTDIR)$(BINDIR)/$${p#bin/} || exit 1; \
	done
	install -m 644 bin/tedge-flow.sh $(DESTDIR)$(BINDIR)/
	for m in $(MAN1); do install -m 644 $$m $(DESTDIR)$(MANPREFIX)/man1/; done
	[ -e $(DESTDIR)$(SYSCONFDIR)/tedge/tedge.toml ] || \
		install -m 644 etc/tedge.toml $(DESTDIR)$(SYSCONFDIR)/tedge/tedge.toml
	mkdir -p $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	bin/tedge-completions bash >$(DESTDIR)$(BASHCOMPDIR)/tedge
	bin/tedge-completions zsh >$(DESTDIR)$(ZSHCOMPDIR)/_tedge
	for n in $$(sed -n 's/^complete .* _tedge tedge //p' $(DESTDIR)$(BASHCOMPDIR)/tedge); do \
		ln -sf tedge $(DESTDIR)$(BASHCOMPDIR)/$$n || exit 1; \
	done

# install, stripped as bench/size counts the programs (SPEC §10): the ELFs
# by strip, the sh programs by scripts/strip-sh (their comment lines).
install-strip: install
	$(STRIP) $(DESTDIR)$(BINDIR)/../lib/tedge/libtedge.so.0
	for p in $(PROGS); do [ -h $$p ] || $(STRIP) $(DESTDIR)$(BINDIR)/$${p#bin/} || exit 1; done
	for p in $(SCRIPTS) bin/tedge-flow.sh; do \
		sh scripts/strip-sh $(DESTDIR)$(BINDIR)/$${p#bin/} || exit 1; done

uninstall:
	for p in $(PROGS) $(SCRIPTS) bin/tedge-flow.sh; do rm -f $(DESTDIR)$(BINDIR)/$${p#bin/}; done
	rm -rf $(DESTDIR)$(BINDIR)/../lib/tedge
	for m in $(MAN1); do rm -f $(DESTDIR)$(MANPREFIX)/man1/$${m#man/}; done
	rm -rf $(DESTDIR)$(INITDIR)
	-for n in $$(sed -n 's/^complete .* _tedge //p' $(DESTDIR)$(BASHCOMPDIR)/tedge); do \
		rm -f $(DESTDIR)$(BASHCOMPDIR)/$$n; \
	done
	rm -f $(DESTDIR)$(ZSHCOMPDIR)/_tedge

# The init/ definitions, for tedge-svc install: @SBINDIR@ (mosquitto's),
# @SYSCONFDIR@ and @BINDIR@ (the toolkit's) filled in, modes kept.
install-init:
	for f in $(INIT); do \
		d=$(DESTDIR)$(INITDIR)/$${f#init/}; \
		mkdir -p "$${d%/*}" && \
		sed -e 's|@SBINDIR@|$(MOSQUITTO_SBINDIR)|g' \
			-e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
			-e 's|@BINDIR@|$(BINDIR)|g' $$f >"$$d" && \
		if [ -x $$f ]; then chmod 755 "$$d"; else chmod 644 "$$d"; fi || exit 1; \
	done

# Every shell script of the tree (shellcheck follows the sourced files).
lint:
	shellcheck -s sh -x -P SCRIPTDIR t/lib.sh t/*.sh scripts/deps scripts/try-linker scripts/strip-sh scripts/demo bench/* \
		standin/c8y-standin $(SCRIPTS) bin/tedge-flow.sh \
		t/t4050/boot.sh init/sysvinit/mosquitto init/openrc/mosquitto \
		init/runit/mosquitto/run init/s6/mosquitto/run init/openrc/tedge-cert-renewer \
		init/runit/tedge-cert-renewer/run init/openrc/tedge-cert-renewer-c8y@ \
		init/runit/tedge-cert-renewer-c8y@/run debian/tedge-c.postinst debian/tedge-c.postrm \
		alpine/tedge-c.post-install alpine/tedge-c.post-deinstall
	shellcheck -s sh -e SC2034,SC2154 alpine/APKBUILD

clean:
	rm -f lib/.linker-ok lib/tedge.map $(PROGS) $(PROGS:=.o) $(CERTOBJ) $(CERTHTTPOBJ) $(CHECKOBJ) $(SVCOBJ) $(LIBOBJ) lib/x509.o lib/libtedge.a $(LIBSO) $(HELPERS) $(HELPERS:=.o) \
		t/fuzz/fuzz-toml $(BENCH_TOOLS)
	rm -rf static t/trash.* t/fuzz/out t/fuzz/corpus-run t/valgrind

.PHONY: all deps check helpers test sanitize valgrind fuzz bench bench-tools demo install install-strip install-init uninstall lint clean \
	systemd-root check-systemd static check-static deb
