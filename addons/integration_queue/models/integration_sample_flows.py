# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from ..lib.errors import IntegrationError
from ..lib.processor import integration_parser, integration_processor
from ..lib.xml_document import xml_to_dict


class IntegrationSampleFlows(models.AbstractModel):
    """Two flows that prove the path end to end before the business addons bring
    theirs: ``echo`` (no effect) and ``partner.upsert`` (mapping, ownership,
    lineage)."""

    _name = "integration.sample.flows"
    _description = "Integration Sample Flows"

    @api.model
    @integration_processor("echo")
    def _process_echo(self, message, payload):
        if isinstance(payload, dict) and payload.get("fail"):
            # lets operators and tests exercise retries and the dead letter
            raise IntegrationError(
                payload.get("fail")
                if isinstance(payload.get("fail"), str)
                else "The echo payload asked to fail.",
                code="echo_failure",
            )
        return None

    @api.model
    @integration_parser("xml_elements")
    def _parse_xml_elements(self, document, content_type):
        """Any XML document as plain data: a flow declared to take XML with this
        parser (the echo flow, in tests and demos) gets {root: {child: text}}."""
        return xml_to_dict(document)

    @api.model
    @integration_processor("partner.upsert")
    def _process_partner_upsert(self, message, payload):
        vals = {
            key: payload[key]
            for key in ("name", "email", "phone", "street", "city", "zip", "vat", "ref")
            if key in payload
        }
        vals["is_company"] = payload.get("is_company", True)
        if payload.get("country_code"):
            country = self.env["res.country"].search(
                [("code", "=", payload["country_code"].upper())], limit=1
            )
            if not country:
                raise IntegrationError(
                    f"Country code {payload['country_code']!r} is not known.",
                    code="unknown_country",
                    retryable=False,
                )
            vals["country_id"] = country.id
        return message.upsert("res.partner", payload["external_id"], vals)
