#!/usr/bin/env python3
"""Submit command: ``submit.py JOBSCRIPT`` starts it in the background, prints the job id."""

import sys

from jobs import submit

print(submit(sys.argv[-1]))
