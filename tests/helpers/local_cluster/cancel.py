#!/usr/bin/env python3
"""Cancel command: ``cancel.py ID...`` ends the jobs still running."""

import sys

from jobs import cancel

cancel(sys.argv[1:])
