# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Vocabulary shared by the job cost models."""

COST_TYPES = [
    ("labor", "Labor"),
    ("material", "Material"),
    ("equipment", "Equipment"),
    ("subcontract", "Subcontract"),
    ("other", "Other"),
]
