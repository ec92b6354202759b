from . import maintenance_equipment
from . import construction_equipment_rate
from . import construction_equipment_assignment
from . import construction_equipment_flows
from . import construction_equipment_reading
from . import construction_equipment_usage
