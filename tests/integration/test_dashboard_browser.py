"""The dashboard in headless Chromium (Debian's, driven through its chromedriver), on a
running demo: an operator signs in, the charts draw the demo's data and keep refreshing, and
a screenshot is kept in test-artifacts/."""

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.integration.demo_harness import demo_running

ARTIFACTS = Path(os.environ.get("ALLIANCE_TEST_ARTIFACTS", "test-artifacts"))


def browser() -> webdriver.Chrome:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver, "run deploy/browser/install (Debian's chromium and driver)"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,1000"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(driver), options=options)


def test_the_dashboard_draws_a_running_demo(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    driver = browser()
    try:
        with demo_running(kafka_bootstrap, unique_name("dash"), tmp_path) as demo:
            driver.get(f"{demo.url}/")
            assert driver.current_url.endswith("/login")
            driver.find_element(By.ID, "token").send_keys(demo.token)
            driver.find_element(By.CSS_SELECTOR, "#login button").click()
            wait = WebDriverWait(driver, 90, poll_frequency=0.5)
            wait.until(lambda d: d.current_url == f"{demo.url}/")
            # Every member has published and the hub has sent instructions: lines for each.
            wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#signals polyline")) == 3)
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#instructions polyline"))
            wait.until(lambda d: refreshed(d) >= 3)
            members = {
                line.get_attribute("data-member")
                for line in driver.find_elements(By.CSS_SELECTOR, "#signals polyline")
            }
            assert members == {f"{demo.prefix}-{m}" for m in ("mall", "social", "express")}
            bars = {
                bar.get_attribute("data-label")
                for bar in driver.find_elements(By.CSS_SELECTOR, "#lists rect")
            }
            assert "BLACKLIST OVERDUE" in bars
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            assert driver.save_screenshot(str(ARTIFACTS / "dashboard.png"))
            assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000
    finally:
        driver.quit()


def refreshed(driver: webdriver.Chrome) -> int:
    return int(driver.find_element(By.TAG_NAME, "body").get_attribute("data-refreshed") or 0)
