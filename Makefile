# SPDX-License-Identifier: GPL-2.0
#
# make                 build bsdtun.ko against KDIR (default: running kernel)
# make demo            boot a VM and run a BSD-style tunnel between two
#                      network namespaces: ping and a TCP stream across
#                      (KERNEL=installed: this machine's own kernel)
# make check           build, then boot Debian kernels under QEMU and run
#                      every selftest there, plus checkpatch and sparse
# make shell           boot the test VM with bsdtun loaded, interactive
# make bench           bsdtun against Linux tun in one VM boot -> BENCHMARKS.md
# make install         modules_install + depmod, man page, udev rule
#                      (honours DESTDIR; INSTALL_MOD_PATH for the module)
# make install-headers <net/if_tun.h>, bsdtun_uapi.h and bsdtun.pc; OpenBSD's
#                      <net/if_tun.h> and bsdtun-openbsd.pc
# make dkms-install    source to /usr/src/bsdtun-VERSION, dkms add, build and
#                      install (KERNELRELEASE= or KVER= for another kernel)
# make deb             the bsdtun-dkms Debian package, in ..
#
# Debian's split header packages keep the generated files in a separate
# "-amd64" tree: build with KDIR=<...-common> KOBJ=<...-amd64>.

# Kbuild reads the Kbuild file, never this one: this Makefile is only the
# user's entry point (so KERNELRELEASE set by DKMS on the command line is
# harmless here).

KDIR ?= /lib/modules/$(shell uname -r)/build
KOBJ ?=
PWD := $(shell pwd)
KMAKE = $(MAKE) -C $(KDIR) $(if $(KOBJ),O=$(KOBJ)) M=$(PWD)

all: modules

modules:
	+$(KMAKE) modules

clean:
	+$(KMAKE) clean
	$(MAKE) -C selftests clean

PREFIX ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
MANDIR ?= $(PREFIX)/share/man
UDEVDIR ?= /lib/udev/rules.d

# The release modules_install installs for (Debian's include/config/
# kernel.release holds the upstream version, not the package's ABI name).
BSDTUN_KREL = $$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	$(if $(KOBJ),$(KOBJ),$(KDIR))/include/generated/utsrelease.h)

# The module goes under INSTALL_MOD_PATH, which defaults to DESTDIR so a
# staged install (packaging) needs only one of them.
INSTALL_MOD_PATH ?= $(DESTDIR)

install: modules
	+$(KMAKE) $(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH)) modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(BSDTUN_KREL)
	install -D -m 644 man/bsdtun.4 $(DESTDIR)$(MANDIR)/man4/bsdtun.4
	install -D -m 644 udev/60-bsdtun.rules $(DESTDIR)$(UDEVDIR)/60-bsdtun.rules

# BSD sources then build with: cc $$(pkg-config --cflags bsdtun) ...
install-headers:
	install -D -m 644 bsdtun_uapi.h $(DESTDIR)$(PREFIX)/include/bsdtun/bsdtun_uapi.h
	install -D -m 644 include/net/if_tun.h $(DESTDIR)$(PREFIX)/include/bsdtun/net/if_tun.h
	install -D -m 644 include/net/if_tap.h $(DESTDIR)$(PREFIX)/include/bsdtun/net/if_tap.h
	install -D -m 644 include/openbsd/net/if_tun.h \
		$(DESTDIR)$(PREFIX)/include/bsdtun/openbsd/net/if_tun.h
	mkdir -p $(DESTDIR)$(PREFIX)/lib/pkgconfig
	for pc in bsdtun bsdtun-openbsd; do \
		sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $$pc.pc.in \
			> $(DESTDIR)$(PREFIX)/lib/pkgconfig/$$pc.pc || exit 1; \
	done

# The module's source for DKMS: what dkms.conf's MAKE needs and the files
# make install-headers and make install use.
BSDTUN_SRC = Kbuild Makefile dkms.conf $(wildcard bsdtun*.h bsdtun*.c) \
	bsdtun.pc.in bsdtun-openbsd.pc.in compat include man udev
DKMS_SRC = /usr/src/bsdtun-$(VERSION)
DKMS_MOD = bsdtun/$(VERSION)
# The kernel to build for (dkms -k): KVER, else KERNELRELEASE, else the
# running kernel.
KVER ?= $(if $(KERNELRELEASE),$(KERNELRELEASE),$(shell uname -r))

# The source where DKMS looks for it; DESTDIR stages it (debian/rules).
dkms-source:
	mkdir -p $(DESTDIR)$(DKMS_SRC)
	cp -r $(BSDTUN_SRC) $(DESTDIR)$(DKMS_SRC)/

# dkms add (unless added), build and install for KVER.  A second run
# rebuilds from the tree as it is now: dkms itself would keep the module
# it built first (newer dkms) or refuse to build again (older dkms).
dkms-install: dkms-source
	if dkms status $(DKMS_MOD) -k $(KVER) | grep -qF ', $(KVER),'; then \
		dkms remove $(DKMS_MOD) -k $(KVER); fi
	dkms status $(DKMS_MOD) | grep -q . || dkms add $(DKMS_MOD)
	dkms build $(DKMS_MOD) -k $(KVER)
	dkms install $(DKMS_MOD) -k $(KVER)

dkms-remove:
	dkms remove $(DKMS_MOD) --all
	rm -rf $(DKMS_SRC)

# The bsdtun-dkms Debian package (debian/), in the parent directory.
deb:
	dpkg-buildpackage -b -us -uc

# The QEMU test runner does its own set-up (packages, kernels, caches).
# KERNELS, KERNEL (make demo, shell, bench: "installed" boots this
# machine's own kernel, KREL=<release> another installed one), TESTS and
# BSDTUN_NEGATIVE are passed on through the environment.
export KERNELS KERNEL KREL TESTS BSDTUN_NEGATIVE

check:
	tests/qemu/run.sh check

shell:
	tests/qemu/run.sh shell

bench:
	tests/qemu/run.sh bench

demo:
	tests/qemu/run.sh demo

.PHONY: all modules clean install install-headers dkms-source dkms-install dkms-remove deb \
	check shell bench demo
