# tedge in C: build configuration. Override on the command line, e.g.
#   make CC=clang PREFIX=/usr SSL_LIBS='-lssl -lcrypto'
VERSION = 0.1.0

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANPREFIX = $(PREFIX)/share/man
SYSCONFDIR = /etc

CC = cc
AR = ar
STRIP = strip
CPPFLAGS = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-DVERSION='"$(VERSION)"' -DBINDIR='"$(BINDIR)"' -DSYSCONFDIR='"$(SYSCONFDIR)"'
# -Os and the section flags: all the programs together fit in 300 KB
# (SPEC §10); they spend their time in system calls, not in loops.
# -fno-plt (with -z now every call is bound at load anyway) and packed
# relative relocations (DT_RELR: the key table's pointers) save 30 KB; a
# linker older than binutils 2.38 warns and ignores pack-relative-relocs.
# libtedge's calls to its own functions go straight to them, not through
# the GOT (-fno-semantic-interposition, -Bsymbolic-functions: no program
# replaces a lib function), and -Wl,-O2 merges string tails: 3 KB.
CFLAGS = -std=c99 -Os -g -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wpointer-arith -Wcast-qual \
	-Wwrite-strings -Wundef -Wvla -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	-ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-plt \
	-fno-semantic-interposition
# The linker: lld 15 or later. GNU ld pads each file so that RELRO ends on a
# page (up to 4 KB a binary, 18 KB for the eight); lld moves the addresses
# instead, and packs relative relocations with the version glibc's loader
# asks for (lld 14 leaves that out: its programs do not start). Debian 12:
# lld-16, which `make deps` installs; Alpine: LINKER = -fuse-ld=lld; GNU
# ld: LINKER = (the programs then take about 16 KB more). The build tries
# it first (scripts/try-linker).
LINKER = -B/usr/lib/llvm-16/bin -fuse-ld=lld
LDFLAGS = $(LINKER) -Wl,-z,relro,-z,now -Wl,--as-needed -Wl,--gc-sections \
	-Wl,-z,noseparate-code -Wl,-z,pack-relative-relocs -Wl,-O2

# make static (issue 15): tedge and its three links built against musl and
# linked statically, into static/. Debian: musl-gcc (musl-tools, which
# `make static` installs); Alpine, where cc is musl's: MUSL_CC = cc.
# -static, not -static-pie: a static PIE relocates itself at start (675
# relocations, 17 KB more) and musl 1.2.3 (Debian 12) cannot read packed
# ones; without a loader the text has no ASLR (stack, heap and mmap have).
# musl-gcc's specs name the loader even for -static (lld keeps it, and a
# static tedge would then ask for /lib/ld-musl-x86_64.so.1): no loader.
# _FORTIFY_SOURCE does nothing under musl, which has no fortified headers.
MUSL_CC = musl-gcc
STATIC_CFLAGS = $(CFLAGS) -fno-pie
STATIC_LDFLAGS = $(LINKER) -static -no-pie -Wl,--no-dynamic-linker -Wl,--gc-sections \
	-Wl,-z,noseparate-code

# External libraries, plain variables so cross builds need no pkg-config.
SSL_LIBS = -lssl -lcrypto
CURL_LIBS = -lcurl
MOSQ_LIBS = -lmosquitto
JSON_LIBS = -ljson-c

SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
PROVE = prove
PROVE_OPTS = --jobs 2
