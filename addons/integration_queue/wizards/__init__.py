from . import integration_system_setup
from . import integration_mapping_link
from . import integration_reconciliation_wizard
from . import integration_dry_run_wizard
