"""The file layer: each step reads its inputs, calls the science functions, writes its outputs.

Steps know nothing of Snakemake; the workflow's scripts pass them paths and config sections.
Every output is written atomically, so a failed step never leaves a complete-looking file.
"""
