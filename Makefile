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
# make install         modules_install + depmod, man pages (bsdtun.4 and
#                      bsdtap.4, bsdvmnet.4, bsdotun.4, bsdotap.4 links to it),
#                      udev rule, iproute2's plugin (honours DESTDIR,
#                      PREFIX, MANDIR, UDEVDIR, IPLIBDIR; INSTALL_MOD_PATH,
#                      INSTALL_MOD_DIR for the module) and FreeBSD-syntax
#                      ifconfig and route for ported programs in BSDTOOLSDIR
#                      (make install-tools alone)
# make uninstall       removes what make install installed, then depmod
#                      (same variables, same KDIR)
# make install-headers <net/if_tun.h>, <net/if_tap.h>, <net/if_types.h>,
#                      DragonFly's <net/tun/if_tun.h> and <net/tap/if_tap.h>,
#                      bsdtun_uapi.h under PREFIX/include/bsdtun; OpenBSD's
#                      <net/if_tun.h>;
#                      bsdtun.pc and bsdtun-openbsd.pc in PKGCONFIGDIR
#                      (default PREFIX/share/pkgconfig)
# make uninstall-headers removes them
# make dkms-install    source to /usr/src/bsdtun-VERSION, dkms add, build and
#                      install (KERNELRELEASE= or KVER= for another kernel)
# make dkms-remove     every bsdtun version DKMS knows, from every kernel,
#                      and its /usr/src/bsdtun-VERSION (not one a Debian
#                      package installed: remove that package instead)
# make deb             the bsdtun-dkms and bsdtun-dev Debian packages, in ..
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
	rm -f tools/iproute2/link_bsdtun.so
	$(MAKE) -C selftests clean

PREFIX ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
MANDIR ?= $(PREFIX)/share/man
UDEVDIR ?= /lib/udev/rules.d
# The .pc files name headers only, the same on every architecture:
# pkg-config's directory for architecture-independent files.  Every
# pkg-config searches /usr/share/pkgconfig (Fedora's 64-bit one does not
# search /usr/lib/pkgconfig) and Debian's /usr/local/share/pkgconfig too.
PKGCONFIGDIR ?= $(PREFIX)/share/pkgconfig
# bsdtun.4 and, as symbolic links to it (as in man/), one page per other
# family.
MANLINKS = bsdtap.4 bsdvmnet.4 bsdotun.4 bsdotap.4
# FreeBSD-syntax ifconfig and route (tools/bsd/, bsdtun-tools(8)): a fixed
# path, whatever PREFIX, that a ported program's configurable command path
# names (iodine's IFCONFIGPATH), never Linux's own ifconfig; their shared
# code beside that directory (/usr/lib/bsdtun/bsdcmd.sh).
BSDTOOLSDIR ?= /usr/lib/bsdtun/bin
BSDTOOLSLIB = $(patsubst %/,%,$(dir $(BSDTOOLSDIR)))
BSDTOOLS = ifconfig route
BSDTOOLMAN = bsdtun-tools.8
# Installed header -> its source in the tree.
HEADERS = bsdtun_uapi.h:bsdtun_uapi.h net/if_tun.h:include/net/if_tun.h \
	net/if_tap.h:include/net/if_tap.h net/if_types.h:include/net/if_types.h \
	net/tun/if_tun.h:include/net/tun/if_tun.h \
	net/tap/if_tap.h:include/net/tap/if_tap.h \
	openbsd/net/if_tun.h:include/openbsd/net/if_tun.h
INCDIR = $(DESTDIR)$(PREFIX)/include/bsdtun

# The release modules_install installs for (Debian's include/config/
# kernel.release holds the upstream version, not the package's ABI name).
BSDTUN_KREL = $$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	$(if $(KOBJ),$(KOBJ),$(KDIR))/include/generated/utsrelease.h)

# The module goes under INSTALL_MOD_PATH, which defaults to DESTDIR so a
# staged install (packaging) needs only one of them.
INSTALL_MOD_PATH ?= $(DESTDIR)

install: modules install-iproute2 install-tools
	+$(KMAKE) $(if $(INSTALL_MOD_PATH),INSTALL_MOD_PATH=$(INSTALL_MOD_PATH)) modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(BSDTUN_KREL)
	install -D -m 644 man/bsdtun.4 $(DESTDIR)$(MANDIR)/man4/bsdtun.4
	for m in $(MANLINKS); do \
		ln -sf bsdtun.4 $(DESTDIR)$(MANDIR)/man4/$$m || exit 1; done
	install -D -m 644 udev/60-bsdtun.rules $(DESTDIR)$(UDEVDIR)/60-bsdtun.rules

# Where modules_install puts the module depends on the kernel (extra/ in
# 5.10's and 6.1's kbuild, updates/ in 6.12's and 7.2's; INSTALL_MOD_DIR;
# a compression suffix, .xz on Debian's 7.2): a modules_install into a
# scratch directory says, and only that file goes (the module built here
# serves, whichever kernel it was built for; only a tree without one
# builds it).  Directories stay, as uninstall leaves them elsewhere,
# except bsdtun's own include/bsdtun.
uninstall:
	+[ -f bsdtun.ko ] || $(KMAKE) modules
	+@t=$$(mktemp -d) || exit 1; \
	$(KMAKE) INSTALL_MOD_PATH=$$t modules_install > $$t.log 2>&1; \
	mods=$$(cd $$t && find . -name '*.ko*' ! -type d); \
	if [ -z "$$mods" ]; then cat $$t.log; rm -rf $$t $$t.log; \
		echo "make uninstall: modules_install installs no module here"; exit 1; fi; \
	rm -rf $$t $$t.log; \
	for m in $$mods; do \
		echo "rm -f $(INSTALL_MOD_PATH)$${m#.}"; rm -f "$(INSTALL_MOD_PATH)$${m#.}" || exit 1; \
	done
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(BSDTUN_KREL)
	for m in bsdtun.4 $(MANLINKS); do rm -f $(DESTDIR)$(MANDIR)/man4/$$m || exit 1; done
	rm -f $(DESTDIR)$(UDEVDIR)/60-bsdtun.rules
	$(MAKE) uninstall-iproute2 uninstall-tools

# iproute2's plugin for "ip link ... type bsdtun user U group G", where
# ip(8) looks for it: the C library's multiarch directory on Debian and
# Ubuntu, lib64 on Fedora (IPLIBDIR overrides).  Not under PREFIX: ip
# has the one directory.  One object serves every kind.
IPLIBDIR ?= $(shell t=$$($(CC) -print-multiarch 2>/dev/null); \
	if [ -n "$$t" ]; then echo /usr/lib/$$t/ip; \
	elif [ -d /usr/lib64 ]; then echo /usr/lib64/ip; else echo /usr/lib/ip; fi)
BSDTUN_KINDS = bsdtun bsdtap bsdvmnet bsdotun bsdotap

tools/iproute2/link_bsdtun.so: tools/iproute2/link_bsdtun.c bsdtun_uapi.h
	$(CC) $(CFLAGS) -O2 -Wall -shared -fPIC -I. $(LDFLAGS) -o $@ $<

install-iproute2: tools/iproute2/link_bsdtun.so
	install -D -m 644 $< $(DESTDIR)$(IPLIBDIR)/link_bsdtun.so
	for k in $(filter-out bsdtun,$(BSDTUN_KINDS)); do \
		ln -sf link_bsdtun.so $(DESTDIR)$(IPLIBDIR)/link_$$k.so || exit 1; done

uninstall-iproute2:
	for k in $(BSDTUN_KINDS); do rm -f $(DESTDIR)$(IPLIBDIR)/link_$$k.so || exit 1; done

install-tools:
	for t in $(BSDTOOLS); do \
		install -D -m 755 tools/bsd/$$t $(DESTDIR)$(BSDTOOLSDIR)/$$t || exit 1; done
	install -D -m 644 tools/bsd/bsdcmd.sh $(DESTDIR)$(BSDTOOLSLIB)/bsdcmd.sh
	install -D -m 644 man/$(BSDTOOLMAN) $(DESTDIR)$(MANDIR)/man8/$(BSDTOOLMAN)

# Their directories are bsdtun's own: they go too, when empty.
uninstall-tools:
	for t in $(BSDTOOLS); do rm -f $(DESTDIR)$(BSDTOOLSDIR)/$$t || exit 1; done
	rm -f $(DESTDIR)$(BSDTOOLSLIB)/bsdcmd.sh $(DESTDIR)$(MANDIR)/man8/$(BSDTOOLMAN)
	for d in $(DESTDIR)$(BSDTOOLSDIR) $(DESTDIR)$(BSDTOOLSLIB); do \
		[ ! -d $$d ] || rmdir --ignore-fail-on-non-empty $$d; done

# BSD sources then build with: cc $$(pkg-config --cflags bsdtun) ...
install-headers:
	for h in $(HEADERS); do \
		install -D -m 644 $${h#*:} $(INCDIR)/$${h%%:*} || exit 1; done
	mkdir -p $(DESTDIR)$(PKGCONFIGDIR)
	for pc in bsdtun bsdtun-openbsd; do \
		sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $$pc.pc.in \
			> $(DESTDIR)$(PKGCONFIGDIR)/$$pc.pc || exit 1; \
		chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/$$pc.pc || exit 1; \
	done

# Also the .pc files 0.1.0 put in PREFIX/lib/pkgconfig.
uninstall-headers:
	for h in $(HEADERS); do rm -f $(INCDIR)/$${h%%:*} || exit 1; done
	for d in openbsd/net openbsd net/tun net/tap net ''; do \
		[ ! -d $(INCDIR)/$$d ] || rmdir --ignore-fail-on-non-empty $(INCDIR)/$$d; done
	for pc in bsdtun bsdtun-openbsd; do \
		rm -f $(DESTDIR)$(PKGCONFIGDIR)/$$pc.pc \
			$(DESTDIR)$(PREFIX)/lib/pkgconfig/$$pc.pc || exit 1; done

# The module's source for DKMS: what dkms.conf's MAKE needs and the files
# make install-headers and make install use.
BSDTUN_SRC = Kbuild Makefile dkms.conf $(wildcard bsdtun*.h bsdtun*.c) \
	bsdtun.pc.in bsdtun-openbsd.pc.in compat include man tools udev
DKMS_SRC = /usr/src/bsdtun-$(VERSION)
DKMS_MOD = bsdtun/$(VERSION)
# The kernel to build for (dkms -k): KVER, else KERNELRELEASE, else the
# running kernel.
KVER ?= $(if $(KERNELRELEASE),$(KERNELRELEASE),$(shell uname -r))

# The source where DKMS looks for it; DESTDIR stages it (debian/rules).
dkms-source:
	mkdir -p $(DESTDIR)$(DKMS_SRC)
	cp -r $(BSDTUN_SRC) $(DESTDIR)$(DKMS_SRC)/
	rm -f $(DESTDIR)$(DKMS_SRC)/tools/iproute2/*.so

# dkms add (unless added), build and install for KVER.  A second run
# rebuilds from the tree as it is now: dkms itself would keep the module
# it built first (newer dkms) or refuse to build again (older dkms).
dkms-install: dkms-source
	if dkms status $(DKMS_MOD) -k $(KVER) | grep -qF ', $(KVER),'; then \
		dkms remove $(DKMS_MOD) -k $(KVER); fi
	dkms status $(DKMS_MOD) | grep -q . || dkms add $(DKMS_MOD)
	dkms build $(DKMS_MOD) -k $(KVER)
	dkms install $(DKMS_MOD) -k $(KVER)

# Every version of bsdtun DKMS knows (dkms status prints "bsdtun/V, KREL,
# ARCH: installed" or "bsdtun/V: added"; dkms 2 "bsdtun, V, ..."), and any
# /usr/src/bsdtun-V tree: dkms remove --all, then the tree.  A tree a
# Debian package installed is left to the package manager (the command
# says which package to remove, and fails).
dkms-remove:
	@rc=0; \
	for v in $$( { dkms status bsdtun | sed -n 's|^bsdtun[/,] *\([^,:]*\).*|\1|p'; \
		      for d in /usr/src/bsdtun-*; do [ ! -d "$$d" ] || echo "$${d#/usr/src/bsdtun-}"; done; \
		    } | sort -u); do \
		if p=$$(dpkg -S /usr/src/bsdtun-$$v 2>/dev/null); then \
			echo "bsdtun/$$v: installed by the package $${p%%:*}: remove it with apt remove $${p%%:*}"; \
			rc=1; continue; fi; \
		if dkms status bsdtun/$$v | grep -q .; then \
			echo "dkms remove bsdtun/$$v --all"; dkms remove bsdtun/$$v --all || rc=1; fi; \
		echo "rm -rf /usr/src/bsdtun-$$v"; rm -rf /usr/src/bsdtun-$$v || rc=1; \
	done; \
	exit $$rc

# The bsdtun-dkms and bsdtun-dev Debian packages (debian/), in the parent
# directory.
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

.PHONY: all modules clean install uninstall install-iproute2 uninstall-iproute2 install-tools uninstall-tools install-headers uninstall-headers dkms-source dkms-install dkms-remove deb \
	check shell bench demo
