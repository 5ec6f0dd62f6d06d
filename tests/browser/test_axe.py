"""The accessibility check itself: it must see a violation when there is one, or every green page means nothing."""

from playwright.sync_api import Browser

from .ui import accessibility_violations


def test_axe_signale_une_image_sans_alternative_et_un_champ_sans_etiquette(browser: Browser) -> None:
    page = browser.new_page()
    try:
        page.set_content(
            '<!DOCTYPE html><html lang="fr"><head><title>Essai</title></head><body><main>'
            '<h1>Essai</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text">'
            "</main></body></html>"
        )
        ids = {v["id"] for v in accessibility_violations(page)}
    finally:
        page.close()
    assert {"image-alt", "label"} <= ids
