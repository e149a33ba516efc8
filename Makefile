# SPDX-License-Identifier: GPL-2.0-only
#
# make              build src/proctrace.ko for the running kernel (or KDIR=)
# make run          main job: boot the default kernel, load, print tree+stats
# make check        lint + selftests in a guest on every kernel of the matrix
# make lint         checkpatch, clang-format, W=1 + sparse builds
# make setup        install every dependency (root, Debian bookworm)

KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

.PHONY: all module clean setup lint selftests run check test

all: module

module:
	@test -d "$(KDIR)" || { echo "no kernel headers at $(KDIR):" \
		"install linux-headers-$(KVER) or pass KDIR=/path/to/tree" >&2; \
		exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	$(MAKE) -C selftests clean
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
