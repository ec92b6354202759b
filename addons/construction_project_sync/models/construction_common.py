# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vocabulary shared by the job cost models."""

# the figures of job cost, in the order a project controller reads them
JOB_COST_FIGURES = (
    "original_budget",
    "current_budget",
    "approved_changes",
    "revised_budget",
    "pending_changes",
    "committed",
    "actual",
    "remaining",
    "projected",
    "variance",
)

COST_TYPES = [
    ("labor", "Labor"),
    ("material", "Material"),
    ("equipment", "Equipment"),
    ("subcontract", "Subcontract"),
    ("other", "Other"),
]
