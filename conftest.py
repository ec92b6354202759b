"""Suite-wide pytest policy: a skipped test is a failure, and so is a run with no test.

Browser tours skip themselves when Chromium or websocket-client is missing; a green run
that silently skipped them would prove nothing.
"""


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if session.testscollected == 0:
        session.exitstatus = 1
    elif skipped and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = len(terminalreporter.stats.get("skipped", []))
    if skipped:
        terminalreporter.write_line(
            f"FAILED: {skipped} test(s) skipped; the suite requires every test to run.",
            red=True,
        )
