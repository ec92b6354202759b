from . import ap_duplicate_release
