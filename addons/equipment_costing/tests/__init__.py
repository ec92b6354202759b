from . import test_install
from . import test_equipment_master
from . import test_equipment_matching
from . import test_equipment_access
from . import test_equipment_flows_http
from . import test_telematics_http
from . import test_equipment_reading_access
from . import test_equipment_cost
