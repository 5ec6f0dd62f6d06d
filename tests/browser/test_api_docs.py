"""The API documentation pages render in a real browser under our Content-Security-Policy."""

from playwright.sync_api import ConsoleMessage, Page, expect

# Redoc's footer shows Redocly's logo from their CDN: our CSP blocks it, as it should (no third-party request).
EXPECTED = "Loading the image 'https://cdn.redoc.ly/"


def _csp_violations(page: Page) -> list[str]:
    violations: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        if ("Content Security Policy" in text or "Content-Security-Policy" in text) and EXPECTED not in text:
            violations.append(text)

    page.on("console", on_console)
    return violations


def test_swagger_ui_renders_the_endpoints_without_csp_violation(page: Page) -> None:
    violations = _csp_violations(page)

    page.goto("/api/docs/")

    expect(page.get_by_role("heading", name="API Socle")).to_be_visible()
    expect(page.get_by_text("/api/v1/etablissements/{uai}/", exact=True)).to_be_visible()
    assert violations == [], "\n".join(violations)


def test_redoc_renders_the_endpoints_without_csp_violation(page: Page) -> None:
    violations = _csp_violations(page)

    page.goto("/api/redoc/")

    expect(page.get_by_role("heading", name="API Socle (1.0.0)")).to_be_visible()
    expect(page.get_by_text("v1_etablissements_retrieve").first).to_be_attached()
    assert violations == [], "\n".join(violations)
