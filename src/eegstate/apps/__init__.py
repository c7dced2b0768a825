"""Command-line applications (what ``eegstate classify``, ``train``, ``predict`` run).

Unlike the workflow steps (:mod:`eegstate.steps`), these are driven by the command line
(:mod:`eegstate.cli`) and by users' scripts; they read and write files through
:mod:`eegstate.io` and call the science packages.
"""
