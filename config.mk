# tedge in C: build configuration. Override on the command line, e.g.
#   make CC=clang PREFIX=/usr SSL_LIBS='-lssl -lcrypto'
VERSION = 0.1.0

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
MANPREFIX = $(PREFIX)/share/man
SYSCONFDIR = /etc

CC = cc
AR = ar
CPPFLAGS = -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-DVERSION='"$(VERSION)"' -DBINDIR='"$(BINDIR)"' -DSYSCONFDIR='"$(SYSCONFDIR)"'
CFLAGS = -std=c99 -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wpointer-arith -Wcast-qual \
	-Wwrite-strings -Wundef -Wvla -fstack-protector-strong -D_FORTIFY_SOURCE=2
LDFLAGS = -Wl,-z,relro,-z,now -Wl,--as-needed

# External libraries, plain variables so cross builds need no pkg-config.
SSL_LIBS = -lssl -lcrypto
CURL_LIBS = -lcurl
MOSQ_LIBS = -lmosquitto
JSON_LIBS = -ljson-c

SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
PROVE = prove
PROVE_OPTS = --jobs 2
