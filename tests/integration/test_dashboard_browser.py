"""The dashboard in headless Chromium (Debian's, driven through its chromedriver), on a
running demo: an operator signs in, the charts draw the demo's data and keep refreshing, and
a screenshot is kept in test-artifacts/."""

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from hub.config import Settings
from hub.demo.run import run_demo
from tests.integration.alliance import wait_until
from tests.integration.test_demo import free_port

ARTIFACTS = Path(os.environ.get("ALLIANCE_TEST_ARTIFACTS", "test-artifacts"))


def serving(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", trust_env=False).status_code == 200
    except httpx.TransportError:
        return False


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
    prefix = unique_name("dash")
    settings = Settings(
        kafka_bootstrap=kafka_bootstrap,
        database_url=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        hub_key_path=tmp_path / "hub.pem",
        worker_group=f"{prefix}-worker",
        worker_subscription=rf"^alliance\.(signals|acks)\.{prefix}-.+",
        lists_topic=f"alliance.lists.{prefix}",
    )
    port, stop = free_port(), threading.Event()
    lines: list[str] = []
    demo = threading.Thread(
        target=run_demo,
        args=(settings, "127.0.0.1", port, lines.append, stop, f"{prefix}-"),
        daemon=True,
    )
    demo.start()
    driver = browser()
    try:
        wait_until(lambda: any(x.startswith("operator token: ") for x in lines), 60, "demo up")
        token = next(x for x in lines if x.startswith("operator token: ")).split()[-1]
        wait_until(lambda: serving(port), 30, "the dashboard serving")
        driver.get(f"http://127.0.0.1:{port}/")
        assert driver.current_url.endswith("/login")
        driver.find_element(By.ID, "token").send_keys(token)
        driver.find_element(By.CSS_SELECTOR, "#login button").click()
        wait = WebDriverWait(driver, 90, poll_frequency=0.5)
        wait.until(lambda d: d.current_url.endswith(f":{port}/"))
        # Every member has published and the hub has sent instructions: lines for each.
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#signals polyline")) == 3)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#instructions polyline"))
        wait.until(
            lambda d: (
                int(d.find_element(By.TAG_NAME, "body").get_attribute("data-refreshed") or 0) >= 3
            )
        )
        members = {
            line.get_attribute("data-member")
            for line in driver.find_elements(By.CSS_SELECTOR, "#signals polyline")
        }
        assert members == {f"{prefix}-{m}" for m in ("mall", "social", "express")}
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
        stop.set()
        demo.join(timeout=60)
