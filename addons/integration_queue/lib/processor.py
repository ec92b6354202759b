"""Flow processors: business addons mark a model method as the processor of a flow.

    class JobSync(models.AbstractModel):
        _name = "construction.job.sync"

        @integration_processor("job.upsert")
        def _process_job_upsert(self, message, payload):
            ...  # return the records produced (a recordset, or a list of them)

Only decorated methods can be called as processors: a flow record names a model, never
an arbitrary method. The same holds for the parsers of flows that take XML bodies:

        @integration_parser("aemp_fleet")
        def _parse_aemp_fleet(self, document, content_type):
            ...  # bytes -> the JSON payload, or raise IntegrationParseError

A flow's older or newer contract versions may name an adapter that reads their payload
into the one the flow's processor takes, so one processor serves every live version:

        @integration_adapter("job.upsert/v1")
        def _adapt_job_upsert_v1(self, payload):
            ...  # the version's payload -> the processor's payload
"""

import functools

PROCESSOR_ATTR = "_integration_flow_code"
PARSER_ATTR = "_integration_parser_name"
ADAPTER_ATTR = "_integration_adapter_name"


def _marker(attr):
    """A decorator factory that marks a method with ``attr`` = the given name."""

    def mark(name):
        def decorate(method):
            setattr(method, attr, name)
            return method

        return decorate

    return mark


@functools.lru_cache(maxsize=1024)
def _find_marked(model_class, attr, name):
    for method_name in dir(model_class):
        if method_name.startswith("__"):
            continue
        method = getattr(model_class, method_name, None)
        if callable(method) and getattr(method, attr, None) == name:
            return method_name
    return None


integration_processor = _marker(PROCESSOR_ATTR)
integration_parser = _marker(PARSER_ATTR)
integration_adapter = _marker(ADAPTER_ATTR)


def find_processor(model_class, flow_code):
    """The name of the method of ``model_class`` decorated for ``flow_code``, or
    None."""
    return _find_marked(model_class, PROCESSOR_ATTR, flow_code)


def find_parser(model_class, name):
    """The name of the method of ``model_class`` decorated as parser ``name``, or
    None."""
    return _find_marked(model_class, PARSER_ATTR, name)


def find_adapter(model_class, name):
    """The name of the method of ``model_class`` decorated as adapter ``name``, or
    None."""
    return _find_marked(model_class, ADAPTER_ATTR, name)
