"""Where the data came from, as far as the reports must say: the synthetic-data marker.

`ecoassess demo` writes this marker into every file of a demo inbox (title rows, event
descriptions) and synthetic jurisdictions carry a `synthetic_note` in regions.csv. The reports print
their synthetic-data notice only when the data used says so (see
`transforms.reporting.context.provenance`): a real inbox and configuration never get it.
"""

from __future__ import annotations

SYNTHETIC_MARK = "演示用虚构数据"
