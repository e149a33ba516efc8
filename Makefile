# SPDX-License-Identifier: GPL-2.0-only
#
# make              build src/proctrace.ko for the running kernel (or KDIR=)
# make run          main job: boot the default kernel, load, print tree+stats
# make check        lint + selftests in a guest on 6.1, 6.12, 7.x, 7.x-rt
#                   and the 7.x debug kernel (KASAN, lockdep, kmemleak),
#                   whose boot adds its storm, kmemleak and fault injection
# make check-debug  the debug kernel's run alone; builds that kernel once
# make lint         checkpatch, clang-format, W=1 + sparse builds
# make setup        install every dependency (root, Debian bookworm)
# make cli          build userspace/proctrace
# make install      module (modules_install), CLI, man pages, completion

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

PREFIX ?= /usr/local

.PHONY: all module cli install clean setup lint selftests run check test check-debug bench

all: module

module:
	@test -d "$(KDIR)" || { echo "no kernel headers at $(KDIR):" \
		"install linux-headers-$(KVER) or pass KDIR=/path/to/tree" >&2; \
		exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

cli:
	$(MAKE) -C userspace

install: module cli
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(KVER)
	$(MAKE) -C userspace install PREFIX=$(PREFIX)

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	$(MAKE) -C selftests clean
	$(MAKE) -C userspace clean
	rm -rf build/results

setup:
	scripts/setup.sh

lint:
	scripts/lint.sh

selftests:
	$(MAKE) -C selftests

run:
	scripts/run.sh

check test:
	scripts/test.sh

check-debug:
	PROCTRACE_KERNELS=debug scripts/test.sh

bench:
	scripts/bench.sh
