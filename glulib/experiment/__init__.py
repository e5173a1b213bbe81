"""Shazeer (2020)'s comparison of eight FFNs, rerun at laptop scale: ``make experiment``
(``python -m glulib.experiment``, ``cli``).

Four modules, one job each:

- ``runner``: train every (variant, seed), in parallel processes, resuming an interrupted sweep;
- ``results``: where each sweep writes, the file schema, the checked load and the atomic save;
- ``stats``: the paired statistics, the table and the sentences (``findings``) the notebook shows;
- ``cli``: the command line, with progress and the time left on stderr.

The names a notebook uses are all here: ``experiment.load_results()``, ``experiment.summary(results)``,
``experiment.findings(rows)``.
"""

from ..feedforward import LABELS
from .cli import main
from .results import (
                      BUDGETS,
                      CSV_COLUMNS,
                      CSV_FILE,
                      LR_SWEEP,
                      LR_SWEEP_SEEDS,
                      PARTIAL_DIR,
                      RESULTS_DIR,
                      RESULTS_FILE,
                      SCHEMA,
                      SCHEMA_VERSION,
                      SCRATCH_DIR,
                      SEEDS,
                      IncompleteResultsError,
                      ResultsError,
                      budget_dir,
                      check_out_dir,
                      check_schema,
                      completeness,
                      csv_text,
                      is_full_comparison,
                      load_results,
                      lr_sweep_dir,
                      save,
)
from .runner import (
                      PROMPT,
                      SAMPLE_CHARS,
                      default_jobs,
                      environment,
                      estimate_wall_time,
                      one_run,
                      reusable_runs,
                      run_experiment,
)
from .stats import (
                      findings,
                      holm,
                      kendall_tau,
                      pair_findings,
                      pairwise,
                      paper_table,
                      summary,
                      t95,
                      table_markdown,
)

__all__ = [
                      "BUDGETS",
                      "CSV_COLUMNS",
                      "CSV_FILE",
                      "LABELS",
                      "LR_SWEEP",
                      "LR_SWEEP_SEEDS",
                      "PARTIAL_DIR",
                      "PROMPT",
                      "RESULTS_DIR",
                      "RESULTS_FILE",
                      "SAMPLE_CHARS",
                      "SCHEMA",
                      "SCHEMA_VERSION",
                      "SCRATCH_DIR",
                      "SEEDS",
                      "IncompleteResultsError",
                      "ResultsError",
                      "budget_dir",
                      "check_out_dir",
                      "check_schema",
                      "completeness",
                      "csv_text",
                      "default_jobs",
                      "environment",
                      "estimate_wall_time",
                      "findings",
                      "holm",
                      "is_full_comparison",
                      "kendall_tau",
                      "load_results",
                      "lr_sweep_dir",
                      "main",
                      "one_run",
                      "pair_findings",
                      "pairwise",
                      "paper_table",
                      "reusable_runs",
                      "run_experiment",
                      "save",
                      "summary",
                      "t95",
                      "table_markdown",
]
