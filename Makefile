# SPDX-License-Identifier: ISC
# dbkit: one non-recursive GNU Makefile for the library, the programs,
# the tests, the fuzzers, the demo and the benchmarks.  Binaries are built in place
# (dbhealth/dbhealth) and `make check` puts them first in PATH.

VERSION = 0.2.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
# systemd looks for units in /usr/local/lib/systemd/system too; Debian's
# packages use /lib/systemd/system (debian/rules sets it).
UNITDIR ?= $(PREFIX)/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# zsh reads site-functions under its own prefix; Debian's packages use
# /usr/share/zsh/vendor-completions.
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
EXAMPLEDIR ?= $(PREFIX)/share/doc/dbkit/examples
PKG_CONFIG ?= pkg-config
BATS ?= bats
BATS_FLAGS ?=

CFLAGS ?= -g -O2
override CFLAGS += -std=c17 -D_DEFAULT_SOURCE -Wall -Wextra -MMD -MP -Ilib \
	$(shell $(PKG_CONFIG) --cflags libmariadb jansson libdeflate zlib libsodium libarchive 2>/dev/null) \
	-DDBKIT_VERSION='"$(VERSION)"'
override LDLIBS += -pthread -lm

# make SAN=address,undefined check: the tests under the sanitizers.
ifneq ($(SAN),)
override CFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
override LDFLAGS += -fsanitize=$(SAN)
endif

# make WERROR=1: warnings are errors (make lint sets it).
ifneq ($(WERROR),)
override CFLAGS += -Werror
endif

LIB_SRC = lib/age.c lib/agekey.c lib/bech32.c lib/binlog.c lib/catalog.c \
	lib/cli.c lib/compression.c lib/conn.c lib/envelope.c lib/fs.c \
	lib/gzr.c lib/gzw.c lib/human.c lib/jsonout.c lib/manifest.c \
	lib/name.c lib/optfile.c lib/parse.c lib/pool.c lib/progress.c \
	lib/session.c lib/settings.c lib/sha256.c lib/sqlfile.c lib/sqlscan.c \
	lib/table.c lib/tarread.c lib/tarwrite.c lib/timeutil.c lib/tsv.c \
	lib/workers.c
LIB_OBJ = $(LIB_SRC:.c=.o)
LIB = lib/libdbkit.a

DBHEALTH_SRC = dbhealth/dbhealth.c dbhealth/alert.c dbhealth/backups.c \
	dbhealth/checks.c dbhealth/health.c dbhealth/history.c dbhealth/mail.c \
	dbhealth/notify.c dbhealth/pipeto.c dbhealth/rates.c dbhealth/report.c \
	dbhealth/run.c dbhealth/summary.c dbhealth/target.c dbhealth/threshold.c \
	dbhealth/vars.c dbhealth/watch.c dbhealth/webhook.c
DBHEALTH_OBJ = $(DBHEALTH_SRC:.c=.o)
# Each program links only the libraries it uses: start-up time is most of
# a dbhealth run, and every shared library costs some of it.  libcrypto is
# for the catalogue's manifest code (--backup-path); libmariadb loads it
# anyway, so it costs no start-up time.
DBHEALTH_LIBS = $(shell $(PKG_CONFIG) --libs libmariadb jansson libcrypto 2>/dev/null)
# libcurl is not linked: dbhealth/webhook.c loads it with dlopen when the
# first webhook is sent, and needs only its header here.
dbhealth/webhook.o: override CFLAGS += $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)

DBBACKUP_SRC = dbbackup/dbbackup.c dbbackup/backup.c dbbackup/chunk.c \
	dbbackup/dump.c dbbackup/incremental.c dbbackup/list.c \
	dbbackup/objects.c dbbackup/output.c dbbackup/pin.c dbbackup/result.c \
	dbbackup/schema.c dbbackup/seal.c dbbackup/snapshot.c \
	dbbackup/replica.c dbbackup/stream.c
DBBACKUP_OBJ = $(DBBACKUP_SRC:.c=.o)
DBRESTORE_SRC = dbrestore/dbrestore.c dbrestore/adapt.c dbrestore/apply.c \
	dbrestore/chain.c dbrestore/check.c dbrestore/connect.c \
	dbrestore/create.c dbrestore/feed.c dbrestore/filter.c dbrestore/keys.c dbrestore/load.c \
	dbrestore/objects.c dbrestore/plan.c dbrestore/replica.c \
	dbrestore/replay.c dbrestore/report.c dbrestore/restore.c \
	dbrestore/scratch.c dbrestore/sqlout.c dbrestore/sqlrows.c \
	dbrestore/spool.c dbrestore/triggers.c
DBRESTORE_OBJ = $(DBRESTORE_SRC:.c=.o)
DBPRUNE_SRC = dbprune/dbprune.c dbprune/policy.c dbprune/prune.c \
	dbprune/report.c
DBPRUNE_OBJ = $(DBPRUNE_SRC:.c=.o)
DBPOOL_SRC = dbpool-bench/dbpool-bench.c dbpool-bench/bench.c \
	dbpool-bench/hist.c dbpool-bench/report.c dbpool-bench/workload.c
DBPOOL_OBJ = $(DBPOOL_SRC:.c=.o)
BACKUP_LIBS = $(shell $(PKG_CONFIG) --libs libmariadb jansson libdeflate zlib libzstd libcrypto libsodium libarchive 2>/dev/null)

PROGRAMS = dbhealth/dbhealth dbbackup/dbbackup dbrestore/dbrestore \
	dbprune/dbprune dbpool-bench/dbpool-bench
# Test drivers for the library, built by `make check` only.
TEST_PROGRAMS = tests/lib/parsetest tests/lib/filetest tests/lib/pooltest \
	tests/lib/sqltest tests/lib/threadtest tests/lib/binlogtest \
	tests/lib/agetest tests/lib/webhooktest
MAN1 = man/dbhealth.1 man/dbbackup.1 man/dbrestore.1 man/dbprune.1 \
	man/dbpool-bench.1
MAN5 = man/dbkit-backup.5
MAN7 = man/dbkit.7

all: $(PROGRAMS)

# Objects remember the flags they were built with: switching between a
# plain and a SAN= build rebuilds everything instead of mixing the two.
BUILD_FLAGS = $(CC) $(CFLAGS) $(LDFLAGS)
ifneq ($(file <.build-flags),$(BUILD_FLAGS))
$(file >.build-flags,$(BUILD_FLAGS))
endif
ALL_OBJ = $(LIB_OBJ) $(DBHEALTH_OBJ) $(DBBACKUP_OBJ) $(DBRESTORE_OBJ) \
	$(DBPRUNE_OBJ) $(DBPOOL_OBJ) \
	tests/lib/parsetest.o tests/lib/filetest.o tests/lib/pooltest.o \
	tests/lib/sqltest.o tests/lib/threadtest.o tests/lib/binlogtest.o \
	tests/lib/agetest.o tests/lib/webhooktest.o
$(ALL_OBJ): .build-flags

# Made anew: ar r keeps the members of files that were renamed or removed.
$(LIB): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

dbhealth/dbhealth: $(DBHEALTH_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(DBHEALTH_OBJ) $(LIB) $(DBHEALTH_LIBS) $(LDLIBS)

tests/lib/parsetest: tests/lib/parsetest.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ tests/lib/parsetest.o $(LIB) $(LDLIBS)

tests/lib/filetest: tests/lib/filetest.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ tests/lib/filetest.o $(LIB) $(BACKUP_LIBS) $(LDLIBS)

tests/lib/sqltest: tests/lib/sqltest.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ tests/lib/sqltest.o $(LIB) $(LDLIBS)

tests/lib/threadtest: tests/lib/threadtest.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ tests/lib/threadtest.o $(LIB) $(LDLIBS)

tests/lib/binlogtest: tests/lib/binlogtest.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ tests/lib/binlogtest.o $(LIB) $(BACKUP_LIBS) $(LDLIBS)

tests/lib/agetest: tests/lib/agetest.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ tests/lib/agetest.o $(LIB) $(BACKUP_LIBS) $(LDLIBS)

tests/lib/webhooktest: tests/lib/webhooktest.o dbhealth/webhook.o
	$(CC) $(LDFLAGS) -o $@ tests/lib/webhooktest.o dbhealth/webhook.o $(LDLIBS)

tests/lib/pooltest: tests/lib/pooltest.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ tests/lib/pooltest.o $(LIB) $(BACKUP_LIBS) $(LDLIBS)

dbbackup/dbbackup: $(DBBACKUP_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(DBBACKUP_OBJ) $(LIB) $(BACKUP_LIBS) $(LDLIBS)

dbprune/dbprune: $(DBPRUNE_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(DBPRUNE_OBJ) $(LIB) $(BACKUP_LIBS) $(LDLIBS)

dbpool-bench/dbpool-bench: $(DBPOOL_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(DBPOOL_OBJ) $(LIB) $(BACKUP_LIBS) $(LDLIBS)

dbrestore/dbrestore: $(DBRESTORE_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(DBRESTORE_OBJ) $(LIB) $(BACKUP_LIBS) $(LDLIBS)

deps:
	scripts/deps

# TESTS: the suites make check runs: all of them but CHECK_SKIP, the
# longest first, since bats --jobs starts the files in this order and a
# long one started last would run alone at the end.
LONG_TESTS = tests/lib_files.bats tests/dbbackup.bats \
	tests/dbbackup_archive.bats tests/restore_zoo.bats tests/hostile.bats \
	tests/dbbackup_incremental.bats tests/replica.bats \
	tests/dbbackup_chunks.bats tests/dbbackup_encryption.bats \
	tests/dbpool_bench.bats
CHECK_SKIP ?=
TESTS ?= $(filter-out $(CHECK_SKIP),$(LONG_TESTS) \
	$(filter-out $(LONG_TESTS),$(sort $(wildcard tests/*.bats))))

check: deps
	$(MAKE) all $(TEST_PROGRAMS)
	PATH="$(CURDIR)/dbhealth:$(CURDIR)/dbbackup:$(CURDIR)/dbrestore:$(CURDIR)/dbprune:$(CURDIR)/dbpool-bench:$(CURDIR)/tests/lib:$$PATH" \
		$(BATS) $(BATS_FLAGS) $(TESTS)

lint:
	$(MAKE) clean
	$(MAKE) WERROR=1 all $(TEST_PROGRAMS)
	mandoc -Tlint -Wwarning $(MAN1) $(MAN5) $(MAN7)

demo: deps
	$(MAKE) all
	scripts/demo

# make fuzz: the manifest, option-file and archive readers and the
# SQL-name lexer (lib/sqlscan) under libFuzzer, built with clang, ASan and UBSan, each
# run for FUZZ_SECONDS, all at once (their logs in fuzz/*.log).  The seeds are in
# fuzz/seeds/; what a run finds beyond them is kept in fuzz/corpus/ (not
# in git), so the next run starts from there; an input that fails is
# written to fuzz/crash-* (or leak-*, timeout-*, oom-*) and fails make.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -g -O1 -std=c17 -D_DEFAULT_SOURCE -Wall -Wextra -MMD -MP -Ilib \
	$(shell $(PKG_CONFIG) --cflags libmariadb jansson libdeflate zlib libsodium libarchive 2>/dev/null) \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -DDBKIT_VERSION='"$(VERSION)"'
FUZZ_OBJ = $(LIB_SRC:lib/%.c=fuzz/obj/%.o)
FUZZ_LIB = fuzz/obj/libdbkit.a
FUZZ_TARGETS = fuzz/manifest fuzz/optfile fuzz/sqlscan fuzz/tarstream

fuzz/obj/%.o: lib/%.c
	@mkdir -p fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJ)
	$(AR) rcs $@ $(FUZZ_OBJ)

$(FUZZ_TARGETS): fuzz/%: fuzz/%.c $(FUZZ_LIB)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB) \
		$(BACKUP_LIBS) $(LDLIBS)

fuzz: deps $(FUZZ_TARGETS)
	@for t in $(FUZZ_TARGETS:fuzz/%=%); do \
		mkdir -p fuzz/corpus/$$t || exit 1; \
		echo "fuzz/$$t: $(FUZZ_SECONDS) s, log in fuzz/$$t.log"; \
		fuzz/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
			-print_final_stats=1 -artifact_prefix=fuzz/ \
			-dict=fuzz/$$t.dict fuzz/corpus/$$t fuzz/seeds/$$t \
			>fuzz/$$t.log 2>&1 & \
		pids="$$pids $$!"; \
	done; \
	status=0; \
	for p in $$pids; do \
		wait $$p || status=1; \
	done; \
	for t in $(FUZZ_TARGETS:fuzz/%=%); do \
		echo "fuzz/$$t:"; grep -E '^(Done|stat::number_of_executed_units|==[0-9]+==|SUMMARY)' \
		    fuzz/$$t.log; \
	done; \
	[ $$status -eq 0 ] || { tail -n 40 fuzz/*.log; exit 1; }

bench: deps
	scripts/deps --bench
	$(MAKE) all
	bench/health.sh
	bench/backup.sh
	bench/pool.sh
	bench/incremental.sh
	bench/archive.sh
	bench/completion.sh

# The bash completion is one file for the five programs; bash-completion
# loads a command's completion from a file named after it, hence the
# links.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(EXAMPLEDIR)
	install -m 755 $(PROGRAMS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7/
	install -m 644 completions/dbkit.bash $(DESTDIR)$(BASHCOMPDIR)/dbkit
	for p in $(notdir $(PROGRAMS)); do \
		ln -sf dbkit $(DESTDIR)$(BASHCOMPDIR)/$$p || exit 1; \
	done
	install -m 644 completions/_dbkit $(DESTDIR)$(ZSHCOMPDIR)/
	scripts/units $(BINDIR) $(DESTDIR)$(UNITDIR)
	install -m 644 systemd/example.env $(DESTDIR)$(EXAMPLEDIR)/dbkit.env

# make deb: the Debian package, built from a copy of the tree (scripts/deb);
# make check-package: build it, install it with apt and test the installed
# files (root only: it installs and removes the package; CI runs it).
deb: deps
	scripts/deb

check-package: deb
	$(BATS) $(BATS_FLAGS) tests/package/install.bats

# make check-systemd: the package's units run by systemd in a container
# (root; its first run downloads a Debian system, so CI does not run it).
check-systemd: deb
	$(BATS) $(BATS_FLAGS) tests/package/systemd.bats

clean:
	rm -f $(LIB) $(PROGRAMS) $(TEST_PROGRAMS) $(ALL_OBJ) $(ALL_OBJ:.o=.d) \
		.build-flags $(FUZZ_TARGETS) $(FUZZ_TARGETS:=.d)
	rm -rf fuzz/obj

.PHONY: all deps check lint demo bench fuzz install deb check-package check-systemd clean

-include $(ALL_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) $(FUZZ_TARGETS:=.d)
