"""The operator console in headless Chromium on a running demo (PLAINTEXT broker): an operator
onboards a member through the members form, imports a list file watch-listing a subject the
members have reported (the policy rates it down wherever present: instructions at once),
finds the subject, moves the entry to NOTIFIED, completes a task, dismisses a review item (a
reason naming a person refused first) and withdraws one of the subject's links; bad input
shows the API's typed error beside its form; an auditor sees the same pages without forms and
is refused when its page posts anyway. A screenshot of every page goes to
test-artifacts/console-*.png."""

from collections.abc import Callable
from pathlib import Path

import httpx
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from hub.demo.alliance import LISTED, listed_uscc
from tests.integration.alliance import wait_until
from tests.integration.demo_harness import RunningDemo, demo_running
from tests.integration.test_dashboard_browser import ARTIFACTS, browser

HEADER = "entry_id,list_type,category,subject_name,uscc,authority,document_no,province,city"


def shot(driver: webdriver.Chrome, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"console-{name}.png"
    assert driver.save_screenshot(str(path))
    assert path.stat().st_size > 5_000


def sign_in(driver: webdriver.Chrome, demo: RunningDemo, token: str) -> None:
    driver.get(f"{demo.url}/login")
    driver.find_element(By.ID, "token").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#login button").click()
    WebDriverWait(driver, 30).until(lambda d: d.current_url == f"{demo.url}/")


def submit(driver: webdriver.Chrome, form: WebElement) -> str:
    """Send a console form; its state once the API answered ("done" or "refused")."""
    form.find_element(By.CSS_SELECTOR, "button").click()
    WebDriverWait(driver, 60).until(
        lambda _: form.get_attribute("data-state") in ("done", "refused")
    )
    return str(form.get_attribute("data-state"))


def present_subject(client: httpx.Client) -> str:
    """The USCC of an unlisted subject the demo's members have reported."""
    found: list[str] = []

    def reported() -> bool:
        for n in range(LISTED, 40):
            value = listed_uscc(n).value
            answer = client.get("/subjects", params={"scheme": "USCC", "value": value})
            if answer.status_code == 200 and answer.json()["presences"]:
                found.append(value)
                return True
        return False

    wait_until(reported, 90, "a reported subject")
    return found[0]


def open_review(client: httpx.Client) -> str:
    """An open review item, a sanction awaiting confirmation if there is one."""
    found: list[str] = []

    def waiting() -> bool:
        items = client.get("/reviews", params={"limit": 500}).json()["reviews"]
        items.sort(key=lambda r: r["kind"] != "SANCTION")
        found[:] = [r["review_id"] for r in items]
        return bool(found)

    wait_until(waiting, 90, "an open review item")
    return found[0]


def instruction_total(driver: webdriver.Chrome, demo: RunningDemo) -> int:
    driver.get(f"{demo.url}/console/instructions")
    return int(driver.find_element(By.ID, "instruction-total").text)


def test_operators_work_and_auditors_read_in_the_console(
    kafka_bootstrap: str, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    driver = browser()
    try:
        with demo_running(kafka_bootstrap, unique_name("cons"), tmp_path) as demo:
            client = demo.client()
            subject = present_subject(client)
            sign_in(driver, demo, demo.token)
            WebDriverWait(driver, 60).until(
                lambda d: d.find_elements(By.CSS_SELECTOR, "#signals polyline")
            )
            assert driver.find_elements(By.CSS_SELECTOR, "#instructions, #lists")
            shot(driver, "dashboard")

            # 成员: onboard through the form; the step report and the password, once.
            newcomer = f"{demo.prefix}-newco"
            driver.get(f"{demo.url}/console/members")
            form = driver.find_element(By.ID, "onboard")
            form.find_element(By.NAME, "member_id").send_keys(newcomer)
            form.find_element(By.NAME, "display_name").send_keys("新成员 Newco")
            form.find_element(By.CSS_SELECTOR, "input[value=COUNTERFEIT]").click()
            assert submit(driver, form) == "done"
            # The steps; the demo's API provisions no broker, so it sets no password to show.
            assert form.find_elements(By.CSS_SELECTOR, ".done table tr")
            shot(driver, "members-onboarded")
            again = submit(driver, form)  # the same id twice: the API's 409
            assert again == "refused" and form.get_attribute("data-status") == "409"
            problem = form.find_element(By.CSS_SELECTOR, ".problem")
            assert problem.get_attribute("data-code") == "conflict"
            shot(driver, "members-onboard-refused")
            driver.get(f"{demo.url}/console/members")
            assert driver.find_elements(By.CSS_SELECTOR, f"tr[data-member='{newcomer}']")
            shot(driver, "members")
            driver.get(f"{demo.url}/console/members/{newcomer}")
            token_form = driver.find_element(By.ID, "issue-token")
            token_form.find_element(By.NAME, "label").send_keys("newco engineer")
            assert submit(driver, token_form) == "done"
            assert token_form.find_element(By.CSS_SELECTOR, "[data-secret=token]").text
            shot(driver, "member")

            # 名单: a bad file shows every problem's line, field and rule; a good one imports.
            before = instruction_total(driver, demo)
            entry = f"{demo.prefix}-e1"
            bad = tmp_path / "bad.csv"
            bad.write_text(f"{HEADER},listed_at\n{entry},BLACKLIST,FALSE_ADVERTISING,x\n")
            driver.get(f"{demo.url}/console/lists")
            upload = driver.find_element(By.ID, "import")
            upload.find_element(By.NAME, "file").send_keys(str(bad))
            assert submit(driver, upload) == "refused"
            problem = upload.find_element(By.CSS_SELECTOR, ".problem")
            assert problem.get_attribute("data-code") == "import_refused"
            headings = [th.text for th in problem.find_elements(By.TAG_NAME, "th")]
            assert headings == ["line", "field", "rule"]
            assert problem.find_elements(By.CSS_SELECTOR, "tr td")
            driver.execute_script("arguments[0].scrollIntoView()", upload)
            shot(driver, "lists-import-refused")
            good = tmp_path / "good.csv"
            good.write_text(
                f"{HEADER},listed_at\n{entry},WATCHLIST,FALSE_ADVERTISING,某网店,{subject},"
                "杭州市市场监督管理局,杭市监〔2026〕99号,浙江省,杭州市,2026-11-20\n",
                encoding="utf-8",
            )
            driver.get(f"{demo.url}/console/lists")
            upload = driver.find_element(By.ID, "import")
            upload.find_element(By.NAME, "file").send_keys(str(good))
            assert submit(driver, upload) == "done", upload.text
            assert '"new": 1' in upload.text
            driver.get(f"{demo.url}/console/lists?q={entry}")
            shot(driver, "lists")

            # 主体查询: the subject, its presences and the new entry.
            driver.get(f"{demo.url}/console/subjects")
            Select(driver.find_element(By.NAME, "scheme")).select_by_value("USCC")
            driver.find_element(By.NAME, "value").send_keys(subject)
            driver.find_element(By.CSS_SELECTOR, "[role=search] button").click()
            WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "cluster"))
            assert entry in driver.find_element(By.ID, "subject-entries").text
            shot(driver, "subjects")
            cluster = driver.find_element(By.ID, "cluster").text

            # The entry to NOTIFIED; the instructions it led to are counted.
            driver.get(f"{demo.url}/console/lists/{entry}")
            move = driver.find_element(By.ID, "move")
            Select(move.find_element(By.NAME, "status")).select_by_value("NOTIFIED")
            move.find_element(By.NAME, "reason").send_keys("整改通知书已送达")
            assert submit(driver, move) == "done", move.text
            driver.get(f"{demo.url}/console/lists/{entry}")
            assert driver.find_element(By.ID, "status").text == "NOTIFIED"
            shot(driver, "entry")
            assert instruction_total(driver, demo) > before
            shot(driver, "instructions")

            # 待办任务: the demo's overdue entries have tasks; one is marked done.
            driver.get(f"{demo.url}/console/tasks")
            row = driver.find_element(By.CSS_SELECTOR, "#tasks tr[data-task]")
            task = str(row.get_attribute("data-task"))
            assert submit(driver, row.find_element(By.TAG_NAME, "form")) == "done"
            driver.get(f"{demo.url}/console/tasks?state=done")
            assert driver.find_elements(By.CSS_SELECTOR, f"tr[data-task='{task}']")
            shot(driver, "tasks")
            # 审核队列: the public exposures the overdue entries call for wait here; a reason
            # naming a person is refused beside its form, then one item is dismissed.
            review = open_review(client)
            driver.get(f"{demo.url}/console/reviews")
            item = driver.find_element(By.CSS_SELECTOR, f"section[data-review='{review}']")
            assert item.find_element(By.CSS_SELECTOR, ".due").text != "—"
            shot(driver, "reviews")
            confirm = item.find_element(By.ID, f"confirm-{review}")
            confirm.find_element(By.NAME, "reason").send_keys("联系人 13812345678")
            assert submit(driver, confirm) == "refused"
            assert confirm.get_attribute("data-status") == "422"
            problem = confirm.find_element(By.CSS_SELECTOR, ".problem")
            assert problem.get_attribute("data-code") == "invalid_value"
            assert "13812345678" not in problem.text
            dismiss = item.find_element(By.ID, f"dismiss-{review}")
            dismiss.find_element(By.NAME, "reason").send_keys("已核实, 暂不曝光")
            assert submit(driver, dismiss) == "done", dismiss.text
            assert client.get(f"/reviews/{review}").json()["state"] == "DISMISSED"
            driver.get(f"{demo.url}/console/reviews?state=DISMISSED")
            assert driver.find_elements(By.CSS_SELECTOR, f"section[data-review='{review}']")

            # 关联: the subject's link assertions; one is withdrawn through its button.
            driver.get(f"{demo.url}/console/links?cluster_id={cluster}")
            row = driver.find_element(By.CSS_SELECTOR, "#assertions tr[data-state=joining]")
            signal_id = str(row.get_attribute("data-signal"))
            shot(driver, "links")
            withdraw = row.find_element(By.TAG_NAME, "form")
            withdraw.find_element(By.NAME, "reason").send_keys("成员撤回: 误报")
            withdraw.find_element(By.CSS_SELECTOR, "button[value=link]").click()
            WebDriverWait(driver, 60).until(
                lambda _: withdraw.get_attribute("data-state") in ("done", "refused")
            )
            assert withdraw.get_attribute("data-state") == "done", withdraw.text
            assert "withdrawal_id" in withdraw.text
            states = {
                (a["signal_id"], a["state"])
                for a in client.get("/links", params={"cluster_id": cluster}).json()["assertions"]
            }
            assert (signal_id, "withdrawn") in states
            for name in ("rejects", "documents", "reports"):
                driver.get(f"{demo.url}/console/{name}")
                shot(driver, name)
            driver.get(f"{demo.url}/lists/entries/{entry}/documents/rectification-notice.html")
            assert "整改通知书" in driver.page_source
            shot(driver, "document")

            # An auditor: the same pages, no forms; a post from its page is refused.
            made = client.post("/tokens", json={"role": "auditor", "label": "audit"})
            assert made.status_code == 201, made.text
            driver.get(f"{demo.url}/console/tasks")
            driver.find_element(By.ID, "sign-out").click()
            WebDriverWait(driver, 30).until(lambda d: d.current_url.endswith("/login"))
            sign_in(driver, demo, made.json()["token"])
            pages = (
                "members",
                f"members/{newcomer}",
                "lists",
                f"lists/{entry}",
                "tasks",
                "reviews",
            )
            for path in pages:
                driver.get(f"{demo.url}/console/{path}")
                assert driver.find_elements(By.TAG_NAME, "h1")
                assert not driver.find_elements(By.TAG_NAME, "form"), path
            shot(driver, "auditor-tasks")
            status = driver.execute_async_script(
                """const done = arguments[arguments.length - 1];
                const csrf = document.querySelector('meta[name="csrf-token"]').content;
                const body = JSON.stringify({status: "COMMITTED", reason: "x"});
                fetch("/lists/entries/" + arguments[0] + "/status", {method: "POST",
                  credentials: "same-origin", body: body,
                  headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}})
                  .then(r => r.json().then(b => done([r.status, b.error.code])));""",
                entry,
            )
            assert status == [403, "forbidden"]
            assert client.get(f"/lists/entries/{entry}").json()["status"] == "NOTIFIED"
    finally:
        driver.quit()
