"""Headless Chromium for the browser tests and `manage.py screenshots`: Debian's chromium and
chromium-driver (no browser download), driven by Selenium."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

CHROMIUM = os.environ.get("FACTCHECK_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("FACTCHECK_CHROMEDRIVER", "/usr/bin/chromedriver")
WIDTH, HEIGHT = 1400, 1000


def missing() -> str | None:
    """Why no browser can start here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            return f"{path} is not installed (apt-get install chromium chromium-driver)"
    return None


def chrome(width: int = WIDTH, height: int = HEIGHT):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--lang=en-US",
        "--hide-scrollbars",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    return driver


def and_wait(driver, act) -> None:
    """Do `act()` (a click that submits a form; it finds its element itself) and wait until the next page has loaded."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    for attempt in range(3):
        try:
            act()
            break
        except (StaleElementReferenceException, WebDriverException) as error:
            # ChromeDriver sometimes loses the node between finding and clicking it ('Node with
            # given id does not belong to the document'). The click never happened, so `act`, which
            # finds its element again, is tried again, unless the page has moved on after all.
            lost = isinstance(error, StaleElementReferenceException) or "does not belong to the document" in str(error)
            if not lost or attempt == 2 or expected_conditions.staleness_of(page)(driver):
                raise
    WebDriverWait(driver, 30).until(expected_conditions.staleness_of(page))
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")


def log_in(driver, base_url: str, username: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base_url}/admin/login/")
    driver.find_element(By.NAME, "username").send_keys(username)
    driver.find_element(By.NAME, "password").send_keys(password)
    and_wait(driver, lambda: driver.find_element(By.CSS_SELECTOR, "input[type=submit]").click())


def switch_language(driver, code: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    # The switch submits itself on change.
    and_wait(driver, lambda: Select(driver.find_element(By.ID, "language-switch")).select_by_value(code))


def scroll_width(driver) -> tuple[int, int]:
    """The page's scrollable width and the window's: equal when nothing scrolls sideways."""
    return driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")


def full_page_png(driver, path: Path) -> None:
    """A PNG of the whole page height at the window's width."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(WIDTH, min(max(height + 140, 600), 4000))
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    driver.set_window_size(WIDTH, HEIGHT)


def give_seeds_example_dates() -> None:
    """Date the seed articles (they state no publication date) so the timeline plot has points:
    source n published on 10 Feb 2026 + 3n days, and each undated claim as of its source's day.
    For the browser tests and screenshots only, on their scratch databases."""
    import datetime as dt

    from claims import services
    from claims.models import Claim
    from sources.models import Source

    first = dt.datetime(2026, 2, 10, 9, 0, tzinfo=dt.UTC)
    for n, source in enumerate(Source.objects.order_by("id")):
        source.published_at = first + dt.timedelta(days=3 * n)
        source.save(update_fields=["published_at"])
        Claim.objects.filter(source=source, as_of=None).update(
            as_of=source.published_at.date(), as_of_source="published"
        )
    services.refresh_clusters(Claim.objects.exclude(cluster=None).values_list("cluster_id", flat=True).distinct())
