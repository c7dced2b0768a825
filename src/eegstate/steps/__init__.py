"""The file layer: each step reads its inputs, calls the science functions, writes its outputs.

Every step follows one contract (:mod:`eegstate.steps.base`): named inputs, named outputs and
the configuration options it consumes, declared once (:attr:`Step.consumes`); the workflow's
rules derive their parameters from that declaration and every workflow script is
``run_step(<name>, snakemake)``. Steps know nothing of Snakemake beyond that object. Every
output is written atomically, so a failed step never leaves a complete-looking file.
"""

from eegstate.steps.base import Step, StepCall, get_step, run_step, step_config

__all__ = ["Step", "StepCall", "get_step", "run_step", "step_config"]
