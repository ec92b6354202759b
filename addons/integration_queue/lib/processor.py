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
"""

import functools

PROCESSOR_ATTR = "_integration_flow_code"
PARSER_ATTR = "_integration_parser_name"


def integration_processor(flow_code):
    def decorate(method):
        setattr(method, PROCESSOR_ATTR, flow_code)
        return method

    return decorate


@functools.lru_cache(maxsize=1024)
def find_processor(model_class, flow_code):
    """The name of the method of ``model_class`` decorated for ``flow_code``, or
    None."""
    for name in dir(model_class):
        if name.startswith("__"):
            continue
        method = getattr(model_class, name, None)
        if callable(method) and getattr(method, PROCESSOR_ATTR, None) == flow_code:
            return name
    return None


def integration_parser(name):
    def decorate(method):
        setattr(method, PARSER_ATTR, name)
        return method

    return decorate


@functools.lru_cache(maxsize=1024)
def find_parser(model_class, name):
    """The name of the method of ``model_class`` decorated as parser ``name``, or
    None."""
    for attr in dir(model_class):
        if attr.startswith("__"):
            continue
        method = getattr(model_class, attr, None)
        if callable(method) and getattr(method, PARSER_ATTR, None) == name:
            return attr
    return None
