#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Run a command, output to /dev/null, and print the CPU seconds (user +
system) it and its children used, and its wall time."""
import resource
import subprocess
import sys
import time

t0 = time.monotonic()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.3f %.3f" % (ru.ru_utime + ru.ru_stime, wall))
