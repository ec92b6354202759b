import re
import shutil

from lxml import html

from odoo.tests import tagged

from .test_pay_application import BillingCase

AMOUNT = re.compile(r"-?[\d,]+\.\d{2}")


def amount(text):
    """The amount a cell prints (its number, without currency or separators)."""
    found = AMOUNT.search(text.replace("\N{NO-BREAK SPACE}", " "))
    return float(found.group().replace(",", "")) if found else None


@tagged("post_install", "-at_install")
class TestPrintedDocuments(BillingCase):
    """Pay application (G702/G703), change order and job cost summary, rendered
    as Odoo renders an invoice: the HTML always, the PDF where wkhtmltopdf is."""

    def render(self, report, records):
        content, kind = self.env["ir.actions.report"]._render_qweb_html(
            report, records.ids
        )
        self.assertEqual(kind, "html")
        return html.fromstring(content)

    def cell(self, page, row, column=-1):
        cells = page.xpath(f"//tr[@name='{row}']/td")
        self.assertTrue(cells, f"no row {row}")
        return amount(cells[column].text_content())

    def pdf_if_possible(self, report, records):
        if not shutil.which("wkhtmltopdf"):
            return
        # Odoo prints HTML in tests unless told to run wkhtmltopdf
        content, kind = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, records.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(content.startswith(b"%PDF"))

    def test_g702_g703_prints_the_applications_own_figures(self):
        """Period 2 of the pay application worked example (test_pay_application):
        G702 1 100,000  2 12,000  3 112,000  4 76,000  5 7,600 (5a 7,600, 5b 0)
             6 68,400  7 27,000  8 41,400  9 43,600
        G703 C 112,000  D 25,000  E 51,000  F 0  G 76,000  I 36,000  J 7,600"""
        self.pay_app("2026-01-31", {self.sov_a: (10000, 0), self.sov_b: (15000, 5000)})
        self.change_order("CO-1", [(self.concrete, 10000, 12000)])
        sov_co = self.job.sov_line_ids.filtered("change_order_id")
        app = self.pay_app(
            "2026-02-28",
            {self.sov_a: (20000, 0), self.sov_b: (25000, 0), sov_co: (6000, 0)},
        )
        page = self.render("construction_project_sync.report_pay_application", app)
        g702 = {
            "line_1": 100000,
            "line_2": 12000,
            "line_3": 112000,
            "line_4": 76000,
            "line_5a": 7600,
            "line_5b": 0,
            "line_5": 7600,
            "line_6": 68400,
            "line_7": 27000,
            "line_8": 41400,
            "line_9": 43600,
        }
        self.assertEqual({row: self.cell(page, row) for row in g702}, g702)
        # and they are the application's own stored figures
        self.assertEqual(
            [
                app.original_contract_sum,
                app.change_order_sum,
                app.contract_sum_to_date,
                app.total_completed_stored,
                app.retainage_total,
                app.total_earned_less_retainage,
                app.previous_certificates,
                app.current_payment_due,
                app.balance_to_finish,
            ],
            [g702[f"line_{n}"] for n in range(1, 10)],
        )
        self.assertFalse(page.xpath("//tr[@name='line_5_released']"))
        self.assertEqual(len(page.xpath("//table[@name='g703']/tbody/tr")), 3)
        totals = [
            amount(td.text_content())
            for td in page.xpath("//tr[@name='g703_totals']/td")
        ]
        self.assertEqual(
            totals,
            [None, 112000, 25000, 51000, 0, 76000, None, 36000, 7600],
        )
        self.assertTrue(page.xpath("//p[@name='certificate']"))
        self.pdf_if_possible("construction_project_sync.report_pay_application", app)

    def test_change_order_prints_its_lines_and_totals(self):
        co = self.change_order(
            "CO-7",
            [(self.concrete, 8000, 9600), (self.labor, 2000, 2400)],
            state="pending",
        )
        page = self.render("construction_project_sync.report_change_order", co)
        self.assertEqual(len(page.xpath("//table[@name='lines']/tbody/tr")), 2)
        self.assertEqual(
            (self.cell(page, "totals", -2), self.cell(page, "totals", -1)),
            (10000, 12000),
        )
        # a pending change order says it moves nothing yet
        self.assertTrue(page.xpath("//p[@name='not_approved']"))
        self.pdf_if_possible("construction_project_sync.report_change_order", co)

    def test_job_cost_summary_prints_job_cost_and_earned_value(self):
        """Budget concrete 30,000 and placing 20,000; actual 12,000 on concrete:
        revised 50,000, actual 12,000, projected 50,000, variance 0."""
        self.budget([(self.concrete, 30000), (self.labor, 20000)])
        self.actual(self.concrete, 12000)
        page = self.render(
            "construction_project_sync.report_job_cost_summary", self.job
        )
        self.assertEqual(len(page.xpath("//table[@name='job_cost']/tbody/tr")), 2)
        cells = [
            amount(td.text_content()) for td in page.xpath("//tr[@name='totals']/td")
        ]
        # revised, committed, actual, projected, variance
        self.assertEqual(cells[1:6], [50000, 0, 12000, 50000, 0])
        self.pdf_if_possible(
            "construction_project_sync.report_job_cost_summary", self.job
        )
