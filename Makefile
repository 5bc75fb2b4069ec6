# xipc: the module (through kbuild, see Kbuild), libipc, the examples and the
# tests. `make help` lists the targets.

VERSION      := 0.1.0
LIB_SOVERSION := 1

PREFIX       ?= /usr/local
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
UDEVRULESDIR ?= /etc/udev/rules.d
SYSTEMDUNITDIR ?= /etc/systemd/system
MANDIR       ?= $(PREFIX)/share/man
DESTDIR      ?=

# Where the module is loaded and the tests run: on this machine when it can
# load modules and we are root, otherwise in a QEMU VM (see tests/vm/run).
# Force either with TEST_ON=host or TEST_ON=vm.
TEST_ON ?= $(shell tests/kernel host-or-vm)
# The kernel the module builds against: the running one on the host, else the
# newest Debian kernel with both image and headers installed, which the VM boots.
# Make expands a whole recipe before it runs the recipe's first line, so a
# target that installs that kernel first (tests/deps) runs the rest of its
# work in a new make, which looks again.
KVER ?= $(shell tests/kernel version $(TEST_ON))
KDIR ?= /lib/modules/$(KVER)/build
# One kernel of the matrix (tests/kernels) for `make test`, instead of KVER.
KERNEL ?=

# Where the build goes; the matrix builds its 32-bit programs in $(B)/m32.
B ?= build
CC ?= cc
CFLAGS ?= -O2 -g
XCFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude/uapi -Iinclude \
	$(CPPFLAGS) $(CFLAGS)

LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(LIB_SRCS:lib/%.c=$(B)/lib/%.o)
LIB_SO   := $(B)/lib/libipc.so.$(LIB_SOVERSION)
LIB_A    := $(B)/lib/libipc.a
EXAMPLES := $(patsubst examples/%.c,$(B)/examples/%,$(wildcard examples/*.c))
TOOLS    := $(patsubst tools/%.c,$(B)/tools/%,$(wildcard tools/*.c))
BINDIR       ?= $(PREFIX)/bin
BENCH    := $(B)/bench/xipc-bench
TESTS    := $(patsubst tests/%.c,$(B)/tests/test-%,$(filter-out tests/harness.c tests/fixture.c,$(wildcard tests/*.c)))
HEADERS  := include/libipc.h include/uapi/linux/xipc.h
# The manual: man/manN/*.N, hand-written roff; a page that is only ".so" names
# another page's function (tests/check-package checks they cover libipc.map).
MAN_PAGES := $(wildcard man/man3/*.3 man/man7/*.7 man/man8/*.8)

# Programs find libipc.so beside them, in ../lib, in the build tree and the VM;
# a distribution's build (debian/rules) sets RPATH empty.
RPATH ?= -Wl,-rpath,'$$ORIGIN/../lib'
LINK_LIBIPC := -L$(B)/lib -lipc $(RPATH) $(LDFLAGS)

.PHONY: all module user lib examples tools tests bench-build demo demo-run test \
	test-run test-matrix test-fresh test-debug test-debug-run test-deb test-dkms bench bench-run \
	bench-module profile profile-run check \
	check-run deps install install-module install-user uninstall deb clean help \
	print-kver fuzz-build fuzz fuzz-run \
	coverage coverage-run

all: module user fuzz-build

# Everything but the module: what runs on the test machine.
user: lib examples tools tests bench-build

help:
	@echo 'make            build module, libipc, examples and tests'
	@echo 'make demo       build, load the module, run the examples (VM or host)'
	@echo 'make test       build, load the module, run every test suite'
	@echo '                (KERNEL=NAME: on one kernel of tests/kernels, in the VM;'
	@echo '                ONLY="lrpc mailbox": only those programs of tests/)'
	@echo 'make test-matrix the suite on every kernel in tests/kernels, in the VM'
	@echo 'make test-fresh the README'"'"'s two commands in a fresh Debian 12 chroot'
	@echo 'make test-debug the suite on a debug kernel (KASAN, lockdep, kmemleak, ...)'
	@echo 'make test-deb   the Debian packages in fresh Debian 12 and 13 chroots, their'
	@echo '                DKMS-built module in the VM'
	@echo 'make test-dkms  DKMS against every amd64 kernel of the matrix, each in the VM'
	@echo 'make fuzz       the coverage-guided ioctl fuzzer on the debug kernel'
	@echo '                (FUZZ_SECONDS=, FUZZ_IOCTLS=, FUZZ_REPLAY=...: tests/fuzz/run)'
	@echo 'make coverage   the suite and a fuzz slice on a gcov debug kernel:'
	@echo '                line and branch coverage of module/ (build/coverage/)'
	@echo 'make bench      xipc against pipes and native IPC; results in build/bench/'
	@echo 'make profile    per function, where a 0 B round trip spends its instructions'
	@echo '                (PROFILE="sysv mailbox": xipc-bench names; build/profile/)'
	@echo 'make check      checkpatch, sparse, cppcheck'
	@echo 'make install    module, library, headers, pkg-config file, udev rule,'
	@echo '                tools, the xipc-named systemd unit, man pages'
	@echo '                (install-module: the module only; install-user: the rest)'
	@echo 'make deb        the Debian packages (dpkg-buildpackage) into $(B)/deb/'
	@echo 'make uninstall | clean'
	@echo 'variables: TEST_ON=host|vm KDIR=... PREFIX=... DESTDIR=... VM_TIMEOUT=s'
	@echo '           SYSTEMDUNITDIR=... (where xipc-named.service goes)'

module:
	@test -d "$(KDIR)" || { echo "no kernel build tree at '$(KDIR)';" \
		"run tests/deps build (apt-get install linux-headers-amd64)"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

lib: $(LIB_A) $(LIB_SO) $(B)/lib/libipc.pc

# -fexceptions: pthread_cleanup_push() is then a cleanup attribute that
# thread cancellation and pthread_exit() run as they unwind, not a
# sigsetjmp() and two calls into libc per LRPC handler run.
$(B)/lib/%.o: lib/%.c lib/internal.h lib/ns-protocol.h $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) -fexceptions -fPIC -fvisibility=hidden -c -o $@ $<

$(LIB_A): $(LIB_OBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(LIB_SO): $(LIB_OBJS) lib/libipc.map
	$(CC) $(XCFLAGS) -shared -fPIC -Wl,-soname,libipc.so.$(LIB_SOVERSION) \
		-Wl,--version-script=lib/libipc.map -Wl,-z,defs $(LDFLAGS) -o $@ $(LIB_OBJS)
	ln -sf libipc.so.$(LIB_SOVERSION) $(B)/lib/libipc.so

$(B)/lib/libipc.pc: lib/libipc.pc.in Makefile
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' $< >$@

examples: $(EXAMPLES)

$(B)/examples/%: examples/%.c $(HEADERS) $(LIB_SO)
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) -o $@ $< $(LINK_LIBIPC)

tools: $(TOOLS)

$(B)/tools/%: tools/%.c lib/ns-protocol.h $(HEADERS) $(LIB_SO)
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) -Ilib -o $@ $< $(LINK_LIBIPC)

tests: $(TESTS)

bench-build: $(BENCH)

# The fuzzer (tests/fuzz/, docs/fuzzing.md): raw ioctls, no libipc.
FUZZ     := $(B)/fuzz/xipc-fuzz
fuzz-build: $(FUZZ)

$(FUZZ): $(wildcard tests/fuzz/*.c) tests/fuzz/fuzz.h $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) -pthread -o $@ $(filter %.c,$^)

$(BENCH): $(wildcard bench/*.c) bench/bench.h $(HEADERS) $(LIB_SO)
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) -o $@ $(filter %.c,$^) $(LINK_LIBIPC) -lm

CHECK_FLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS  := $(shell pkg-config --libs check 2>/dev/null)

$(B)/tests/test-%: tests/%.c tests/harness.c tests/harness.h tests/fixture.c tests/fixture.h lib/ns-protocol.h $(HEADERS) $(LIB_SO)
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) -Ilib $(CHECK_FLAGS) -o $@ $< tests/harness.c tests/fixture.c $(LINK_LIBIPC) $(CHECK_LIBS)

# The README's two commands. Each installs what it lacks, then builds and runs
# in a new make, which finds the kernel that tests/deps may just have installed.
demo test bench:
	tests/deps build $(if $(KERNEL),vm,$(TEST_ON)) $(filter bench,$@)
	$(MAKE) $@-run

demo-run: all
	tests/run-job demo $(TEST_ON) /boot/vmlinuz-$(KVER) xipc.ko

ifeq ($(KERNEL),)
test-run: all
	tests/test-install
	XIPC_JOB_ARGS="$(addprefix test-,$(ONLY))" tests/run-job test $(TEST_ON) /boot/vmlinuz-$(KVER) xipc.ko
else
test-run: all
	tests/test-install
	tests/matrix $(KERNEL)
endif

# The whole benchmark: one VM boot counting instructions, one with two CPUs.
# The module is built apart, in a copy of the tree, with the bare handoff
# ioctl the benchmark measures as the floor (module/handoff.c); xipc.ko and
# every other build stay without it.
bench-run: all bench-module
	bench/run $(TEST_ON) /boot/vmlinuz-$(KVER) $(B)/bench-module/xipc.ko

bench-module:
	rm -rf $(B)/bench-module && mkdir -p $(B)/bench-module
	cp -r Kbuild module include $(B)/bench-module/
	$(MAKE) -C $(KDIR) M=$(CURDIR)/$(B)/bench-module W=1 XIPC_BENCH_HANDOFF=y modules

# Where the instructions of a 0 B round trip go, function by function, for
# each mechanism of PROFILE (xipc-bench's names), in one boot that counts
# instructions with a QEMU plugin (bench/profile); each after the first is
# also compared with the first.
PROFILE ?= sysv mailbox
profile:
	tests/deps build vm
	$(MAKE) profile-run

profile-run: all bench-module
	bench/profile /boot/vmlinuz-$(KVER) $(B)/bench-module/xipc.ko $(PROFILE)

# Every kernel of tests/kernels, each module built in a chroot of its Debian
# release (cached in XIPC_CACHE), each booted in the VM.
test-matrix:
	tests/deps build
	$(MAKE) user
	tests/matrix

# The README's two commands, as written, in a fresh Debian 12 chroot.
test-fresh:
	tests/deps chroot
	tests/fresh

# The debug kernel is cached (tests/debug-kernel/build); the module builds
# against it in a copy of the tree, so the normal xipc.ko stays as it is, and
# with the test hooks of module/hooks.c, which tests/race.c needs. The run is
# a make of its own, as for fuzz and coverage: a recipe's $(shell) is expanded
# before its first line runs, so the kernel would be built before tests/deps
# installed what it needs (flex, bison), as on a fresh machine.
test-debug:
	tests/deps build vm debug
	$(MAKE) test-debug-run

test-debug-run: user
	$(eval DEBUG_KDIR := $(shell tests/debug-kernel/build))
	@test -n "$(DEBUG_KDIR)"
	rm -rf $(B)/debug-module && mkdir -p $(B)/debug-module
	cp -r Kbuild module include $(B)/debug-module/
	$(MAKE) -C $(DEBUG_KDIR) M=$(CURDIR)/$(B)/debug-module W=1 XIPC_TEST_HOOKS=y modules
	# Longer than tests/vm/run's default: the storm alone runs 2 minutes here.
	VM_TIMEOUT=$${VM_TIMEOUT:-3000} tests/run-job test vm \
		$(DEBUG_KDIR)/arch/x86/boot/bzImage $(B)/debug-module/xipc.ko

# make fuzz: the module built with KCOV instrumentation against the debug
# kernel (which has CONFIG_KCOV), in its own copy of the tree.
fuzz:
	tests/deps build vm debug
	$(MAKE) fuzz-run

fuzz-run: user fuzz-build
	$(eval DEBUG_KDIR := $(shell tests/debug-kernel/build))
	@test -n "$(DEBUG_KDIR)"
	rm -rf $(B)/fuzz-module && mkdir -p $(B)/fuzz-module
	cp -r Kbuild module include $(B)/fuzz-module/
	$(MAKE) -C $(DEBUG_KDIR) M=$(CURDIR)/$(B)/fuzz-module W=1 KCOV_INSTRUMENT=y modules
	tests/fuzz/run fuzz $(DEBUG_KDIR)/arch/x86/boot/bzImage $(B)/fuzz-module/xipc.ko

# make coverage: the gcov variant of the debug kernel; the module profiled
# (GCOV_PROFILE), with the test hooks and KCOV; the suite and a fuzz slice
# (FUZZ_SECONDS, 180 by default) in the VM; gcovr's report of module/.
coverage:
	tests/deps build vm debug coverage
	$(MAKE) coverage-run

coverage-run: user fuzz-build
	$(eval GCOV_KDIR := $(shell tests/debug-kernel/build --variant gcov))
	@test -n "$(GCOV_KDIR)"
	rm -rf $(B)/coverage-module && mkdir -p $(B)/coverage-module
	cp -r Kbuild module include $(B)/coverage-module/
	$(MAKE) -C $(GCOV_KDIR) M=$(CURDIR)/$(B)/coverage-module W=1 \
		XIPC_TEST_HOOKS=y KCOV_INSTRUMENT=y GCOV_PROFILE=y modules
	FUZZ_SECONDS=$${FUZZ_SECONDS:-180} tests/fuzz/run coverage \
		$(GCOV_KDIR)/arch/x86/boot/bzImage $(B)/coverage-module/xipc.ko
	tests/coverage $(B)/coverage-module build/vm-coverage.log $(B)/coverage

check:
	tests/deps build $(TEST_ON) check
	$(MAKE) check-run

check-run:
	tests/check $(KDIR)

deps:
	tests/deps build $(TEST_ON)

install: install-module install-user

install-module: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	# kbuild skips depmod where the headers lack System.map, as Debian's do.
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)

# Everything but the module: what debian/rules installs, as DKMS builds the
# module on the user's machine.
install-user: lib tools
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(UDEVRULESDIR) $(DESTDIR)$(BINDIR) \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(MANDIR)/man3 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(TOOLS) $(DESTDIR)$(BINDIR)/
	sed 's|@BINDIR@|$(BINDIR)|' tools/xipc-named.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/xipc-named.service
	install -m 644 $(LIB_A) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(LIB_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf libipc.so.$(LIB_SOVERSION) $(DESTDIR)$(LIBDIR)/libipc.so
	install -m 644 $(B)/lib/libipc.pc $(DESTDIR)$(LIBDIR)/pkgconfig/
	install -m 644 include/libipc.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 include/uapi/linux/xipc.h $(DESTDIR)$(INCLUDEDIR)/linux/
	install -m 644 module/60-xipc.rules $(DESTDIR)$(UDEVRULESDIR)/
	install -m 644 $(filter man/man3/%,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man3/
	install -m 644 $(filter man/man7/%,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man7/
	install -m 644 $(filter man/man8/%,$(MAN_PAGES)) $(DESTDIR)$(MANDIR)/man8/
	$(if $(DESTDIR),,ldconfig)

uninstall:
	rm -f $(DESTDIR)/lib/modules/$(KVER)/extra/xipc.ko
	depmod $(if $(DESTDIR),-b $(DESTDIR)) $(KVER)
	rm -f $(DESTDIR)$(LIBDIR)/libipc.a $(DESTDIR)$(LIBDIR)/libipc.so \
		$(DESTDIR)$(LIBDIR)/libipc.so.$(LIB_SOVERSION) \
		$(DESTDIR)$(LIBDIR)/pkgconfig/libipc.pc \
		$(DESTDIR)$(INCLUDEDIR)/libipc.h $(DESTDIR)$(INCLUDEDIR)/linux/xipc.h \
		$(DESTDIR)$(UDEVRULESDIR)/60-xipc.rules \
		$(DESTDIR)$(SYSTEMDUNITDIR)/xipc-named.service \
		$(patsubst tools/%.c,$(DESTDIR)$(BINDIR)/%,$(wildcard tools/*.c)) \
		$(patsubst man/%,$(DESTDIR)$(MANDIR)/%,$(MAN_PAGES))
	$(if $(DESTDIR),,ldconfig)

# The Debian packages (debian/), built from a copy of the tree in $(B)/deb so
# that neither dpkg-buildpackage's files nor the .debs land in the tree.
deb:
	tests/deps build deb
	rm -rf $(B)/deb && mkdir -p $(B)/deb/xipc-$(VERSION)
	tar --exclude=./build --exclude=./.git --exclude=./$(B) -cf - . | \
		tar -C $(B)/deb/xipc-$(VERSION) -xf -
	cd $(B)/deb/xipc-$(VERSION) && dpkg-buildpackage -us -uc -b
	rm -rf $(B)/deb/xipc-$(VERSION)
	ls $(B)/deb/*.deb

# The packages in fresh Debian 12 and 13 chroots: apt installs them, DKMS
# builds the module, an example builds with pkg-config; then each chroot's
# kernel boots in the VM with that module and runs the example and the suite.
test-deb:
	tests/deps build vm chroot deb
	$(MAKE) user deb
	tests/deb

# DKMS (xipc-dkms) against the headers of every amd64 kernel of tests/kernels,
# in overlays of the matrix's chroots; each DKMS-built module in the VM.
test-dkms:
	tests/deps build vm chroot deb
	$(MAKE) user deb
	tests/dkms-matrix

print-kver:
	@echo $(KVER)

clean:
	-test -d "$(KDIR)" && $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(B)
