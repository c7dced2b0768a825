#!/usr/bin/env python3
"""Status command: ``status.py ID`` prints running, success or failed."""

import sys

from jobs import status

print(status(sys.argv[1]))
