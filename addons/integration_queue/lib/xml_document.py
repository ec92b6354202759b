"""A generic reading of an XML document into JSON-able data, for flows whose XML
has no parser of its own (the sample ``echo`` flow): never fetches or expands
entities, refuses a DOCTYPE outright."""

from lxml import etree

from .errors import IntegrationParseError


def _parser():
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_safely(document, error):
    """The root element of an XML ``document`` (bytes), read without fetching or
    expanding entities; a DOCTYPE is refused outright. ``error(code, message)``
    makes the exception raised for a document that cannot be read (each flow
    parser has its own, with its stable codes "malformed" and "forbidden_dtd")."""
    try:
        root = etree.fromstring(document, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise error("malformed", f"The XML is not well-formed: {exc}") from exc
    if root is None:
        raise error("malformed", "The XML document is empty.")
    if root.getroottree().docinfo.doctype:
        raise error("forbidden_dtd", "XML documents with a DOCTYPE are not accepted.")
    return root


def xml_to_dict(document):
    """``{root: content}``: an element with children is a dict by local name
    (repeated names as lists, attributes as "@name"), a leaf its text."""
    root = parse_safely(
        document, lambda code, message: IntegrationParseError(message, code=code)
    )
    return {etree.QName(root).localname: _content(root)}


def _content(element):
    children = [child for child in element if isinstance(child.tag, str)]
    attributes = {
        "@" + etree.QName(name).localname: value
        for name, value in element.attrib.items()
    }
    if not children and not attributes:
        return (element.text or "").strip()
    result = attributes
    for child in children:
        name = etree.QName(child).localname
        value = _content(child)
        if name in result:
            if not isinstance(result[name], list):
                result[name] = [result[name]]
            result[name].append(value)
        else:
            result[name] = value
    return result
