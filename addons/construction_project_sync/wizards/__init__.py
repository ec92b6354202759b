# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import construction_field_time_payroll_export
from . import construction_retention_release
from . import construction_approval_reject
from . import construction_earned_value_status
from . import construction_job_summary
from . import construction_document_upload
