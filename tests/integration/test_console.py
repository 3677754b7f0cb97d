"""The operators' console in a real browser: Debian's headless Chromium driven by Selenium, against
`make run`'s server on a DynamoDB Local of its own.

Every page and action end to end, each error path as a person reads it, keyboard only, a phone's width,
axe-core's accessibility rules, and no error in the browser's console. Screenshots go to build/console/.
A second server on the same tables limits each account to a movement every 5 seconds in bursts of 2, so a
third debit at once meets a 429.
"""

import os
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from decimal import Decimal

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from local.contract import PYTHONPATH, REPO, local_server
from local.dynamodb_local import local_aws_environment
from tests.browser import (
    balance,
    call,
    credit,
    fill,
    form,
    heading,
    history,
    notice,
    open_page,
    rows,
    shoot,
    submit_and_wait,
    wait_ready,
    wait_until,
)
from tests.support import unique

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
# Every test fails on an error in the browser's console it did not expect (conftest.console_errors).
pytestmark = pytest.mark.usefixtures("console_errors")


@pytest.fixture(scope="module")
def base_url(own_dynamodb) -> Iterator[str]:
    with local_server(own_dynamodb.endpoint) as url:
        yield url


@pytest.fixture(scope="module")
def limited_url(own_dynamodb) -> Iterator[str]:
    with local_server(own_dynamodb.endpoint, {"WALLET_USER_RATE_LIMIT": "0.2", "WALLET_USER_RATE_BURST": "2"}) as url:
        yield url


# ---- pages


def test_a_user_page_shows_balances_chart_history_and_open_holds(browser, base_url):
    user = unique("shopper")
    for _ in range(22):
        credit(base_url, user, "1.00")
    status, hold = call(
        base_url,
        "POST",
        "/holds",
        {"idempotentKey": unique("k"), "userId": user, "amount": "5.00", "description": "Ride"},
    )
    assert status == 201, hold

    open_page(browser, base_url, f"#/users/{user}")

    assert heading(browser) == f"User {user}"
    assert rows(browser, "Balances per asset")[0] == ["USD", "122.00", "5.00", "117.00"]
    assert browser.find_elements(By.CSS_SELECTOR, "figure.chart canvas"), "no chart was drawn"
    assert "USD: 22 entries" in browser.find_element(By.CSS_SELECTOR, "figure.chart figcaption").text
    first_page = rows(browser, "History in USD")
    assert len(first_page) == 20 and first_page[0][3] == "122.00"  # newest first, with its running balance
    browser.find_element(By.XPATH, "//button[.='Older']").click()
    wait_until(browser, lambda driver: len(rows(driver, "History in USD")) == 2)
    assert [row[3] for row in rows(browser, "History in USD")] == ["102.00", "101.00"]
    assert rows(browser, "Open holds")[0][1] == "5.00 USD"
    shoot(browser, "user")


def test_history_filters_by_asset_and_time(browser, base_url):
    user = unique("filter")
    credit(base_url, user, "3.00")
    open_page(browser, base_url, f"#/users/{user}")
    filters = browser.find_element(By.XPATH, "//form[.//input[@name='from']]")

    fill(filters, currency="EUR")
    filters.find_element(By.CSS_SELECTOR, "button").click()
    wait_until(browser, lambda driver: driver.find_elements(By.XPATH, "//p[.='History in EUR: none.']"))

    fill(filters, currency="USD")
    browser.execute_script("arguments[0].value = '2000-01-01T00:00'", filters.find_element(By.NAME, "to"))
    filters.find_element(By.CSS_SELECTOR, "button").click()
    wait_until(browser, lambda driver: driver.find_elements(By.XPATH, "//p[.='History in USD: none.']"))


def test_a_manual_credit_double_clicked_and_resubmitted_moves_money_once(browser, base_url):
    user = unique("credited")
    open_page(browser, base_url, f"#/users/{user}")
    action = form(browser, "Manual credit or debit")
    fill(action, type="credit", amount="7.50", description="Goodwill for ticket 12")
    key = action.find_element(By.TAG_NAME, "output").text

    first = submit_and_wait(browser, action, double=True)
    again = submit_and_wait(browser, form(browser, "Manual credit or debit"))

    assert "done" in first and key in first
    assert "nothing moved twice" in again and key in again
    assert balance(base_url, user) == Decimal("107.50")
    entries = history(base_url, user)
    assert [(entry["idempotentKey"], entry["amount"], entry["description"]) for entry in entries] == [
        (key, "7.50", "Goodwill for ticket 12")
    ]


def test_a_transaction_shows_both_sides_and_is_reversed_once(browser, base_url):
    user, key = unique("refunded"), unique("order")
    moved = credit(base_url, user, "10.00", key)
    open_page(browser, base_url, f"#/transactions/{moved['transactionId']}")

    assert heading(browser) == f"Transaction {moved['transactionId']}"
    assert key in browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert rows(browser, "Postings") == [["treasury (system)", user, "10.00 USD"]]
    assert rows(browser, "Ledger entries")[0][:4] == [user, "credit", "10.00 USD", "110.00"]
    shoot(browser, "transaction")

    action = form(browser, "Reverse this transaction")
    fill(action, amount="2.00", description="Partial refund")
    outcome = submit_and_wait(browser, action, double=True)

    assert "done" in outcome
    facts = browser.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert "2.00 USD" in facts  # reversed so far
    assert balance(base_url, user) == Decimal("108.00")
    newest = history(base_url, user)[0]
    assert (newest["reversalOf"], newest["amount"], newest["description"]) == (
        moved["transactionId"],
        "2.00",
        "Partial refund",
    )


def test_a_hold_is_captured_or_voided_from_the_user_page(browser, base_url):
    user = unique("rider")
    for amount in ("4.00", "6.00"):
        status, body = call(
            base_url, "POST", "/holds", {"idempotentKey": unique("k"), "userId": user, "amount": amount}
        )
        assert status == 201, body
    open_page(browser, base_url, f"#/users/{user}")
    holds = {row[1]: row[0] for row in rows(browser, "Open holds")}

    captured = submit_and_wait(browser, form(browser, f"Capture {holds['4.00 USD']}"))
    voided = submit_and_wait(browser, form(browser, f"Void {holds['6.00 USD']}"), double=True)

    assert "done" in captured and "done" in voided
    assert browser.find_elements(By.XPATH, "//p[.='Open holds: none.']")
    assert balance(base_url, user) == Decimal("96.00")
    assert rows(browser, "Balances per asset")[0] == ["USD", "96.00", "0.00", "96.00"]


def test_system_accounts_and_the_books_check(browser, base_url, own_dynamodb):
    credit(base_url, unique("funded"), "1.00")
    subprocess.run(  # the nightly run's check, as make reconcile runs it
        [sys.executable, "-m", "local.reconcile"],
        env={**os.environ, **local_aws_environment(own_dynamodb.endpoint), "PYTHONPATH": PYTHONPATH},
        cwd=REPO,
        check=True,
        capture_output=True,
    )
    open_page(browser, base_url, "#/system")

    assert heading(browser) == "System accounts"
    accounts = {(row[0], row[1]) for row in rows(browser, "System account balances")}
    assert {("treasury", "USD"), ("revenue", "GOLD"), ("promotions", "EUR")} <= accounts
    assert "Books balance" in browser.find_element(By.ID, "view").text
    assert rows(browser, "Sum of every account per asset") == [
        ["EUR", "0.00", "sum = 0"],
        ["GOLD", "0", "sum = 0"],
        ["USD", "0.00", "sum = 0"],
    ]
    shoot(browser, "system")


# ---- errors as a person reads them


def test_a_declined_debit_says_declined_and_moves_nothing(browser, base_url, console_errors):
    console_errors.append("/transactions - Failed to load resource: the server responded with a status of 409")
    user = unique("poor")
    open_page(browser, base_url, f"#/users/{user}")
    action = form(browser, "Manual credit or debit")
    fill(action, type="debit", amount="500.00", description="Chargeback")

    outcome = submit_and_wait(browser, action)

    assert outcome.startswith("Declined:") and "available" in outcome.lower(), outcome
    assert balance(base_url, user) == Decimal("100.00")
    shoot(browser, "declined")


def test_a_rate_limited_action_says_how_long_to_wait(browser, limited_url, console_errors):
    console_errors.append("/transactions - Failed to load resource: the server responded with a status of 429")
    user = unique("busy")
    open_page(browser, limited_url, f"#/users/{user}")
    outcomes = []
    for amount in ("1.00", "2.00", "3.00"):
        action = form(browser, "Manual credit or debit")
        fill(action, type="debit", amount=amount, description="Fee")
        outcomes.append(submit_and_wait(browser, action))

    assert "Too many requests" in outcomes[-1] and re.search(r"Wait \d+ seconds?, then", outcomes[-1]), outcomes
    assert balance(limited_url, user) == Decimal("97.00")


def test_a_server_that_does_not_answer_is_said_so_and_the_retry_lands_once(browser, base_url, console_errors):
    console_errors.append("net::ERR_INTERNET_DISCONNECTED")
    user = unique("offline")
    open_page(browser, base_url, f"#/users/{user}")
    action = form(browser, "Manual credit or debit")
    fill(action, type="credit", amount="4.00", description="Offline test")
    browser.execute_cdp_cmd("Network.enable", {})
    offline = {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1}
    browser.execute_cdp_cmd("Network.emulateNetworkConditions", offline)
    try:
        outcome = submit_and_wait(browser, action)
        shoot(browser, "unreachable")
    finally:
        browser.execute_cdp_cmd("Network.emulateNetworkConditions", {**offline, "offline": False})

    assert outcome.startswith("The server did not answer"), outcome
    retried = submit_and_wait(browser, form(browser, "Manual credit or debit"))
    assert "done" in retried
    assert balance(base_url, user) == Decimal("104.00")
    assert len(history(base_url, user)) == 1


def test_an_unknown_transaction_is_a_readable_page_not_a_blank_one(browser, base_url, console_errors):
    console_errors.append("the server responded with a status of 404")
    open_page(browser, base_url, "#/transactions/0190a1b2-0000-7000-8000-000000000000")

    assert heading(browser) == "Could not load this page"
    assert (
        "No movement" in browser.find_element(By.ID, "view").text or "not" in browser.find_element(By.ID, "view").text
    )
    assert browser.find_element(By.XPATH, "//button[.='Try again']").is_displayed()


# ---- keyboard, phone, accessibility, what the page loads


def test_the_keyboard_alone_finds_a_user_and_credits_them(browser, base_url):
    user = unique("keyboard")
    open_page(browser, base_url)
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(12):
        if browser.switch_to.active_element.get_attribute("name") == "userId":
            break
        ActionChains(browser).send_keys(Keys.TAB).perform()
    assert browser.switch_to.active_element.get_attribute("name") == "userId", "Tab never reached the user field"
    ActionChains(browser).send_keys(user, Keys.ENTER).perform()
    wait_ready(browser)
    assert heading(browser) == f"User {user}"
    assert browser.switch_to.active_element.tag_name == "h2"  # focus moved to what was opened

    amount = form(browser, "Manual credit or debit").find_element(By.NAME, "amount")
    amount.send_keys("2.25")
    reason = form(browser, "Manual credit or debit").find_element(By.NAME, "description")
    reason.send_keys("Keyboard credit", Keys.ENTER)  # Enter submits the form
    wait_until(browser, lambda driver: "done" in notice(driver))
    wait_ready(browser)
    assert balance(base_url, user) == Decimal("102.25")
    assert body.is_displayed()


def test_a_phone_sized_window_has_no_sideways_scroll(browser, base_url):
    user = unique("phone")
    credit(base_url, user, "1.00")
    browser.set_window_size(390, 844)
    try:
        for route in (f"#/users/{user}", "#/system", ""):
            open_page(browser, base_url, route)
            overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{route or 'home'} is {overflow}px wider than the screen"
        open_page(browser, base_url, f"#/users/{user}")
        shoot(browser, "user-phone")
    finally:
        browser.set_window_size(1280, 1000)


def test_no_serious_or_critical_accessibility_violation(browser, base_url):
    user = unique("a11y")
    moved = credit(base_url, user, "2.00")
    axe = AXE.read_text()
    for route in ("", f"#/users/{user}", f"#/transactions/{moved['transactionId']}", "#/system"):
        open_page(browser, base_url, route)
        browser.execute_script(axe)  # WebDriver's own script: the page's CSP is not loosened for it
        violations = browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document).then((result) => done(result.violations.map("
            "(v) => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))));"
        )
        serious = [violation for violation in violations if violation["impact"] in ("serious", "critical")]
        assert serious == [], f"{route or 'home'}: {serious}"


def test_everything_the_page_loads_comes_from_its_own_origin_under_a_strict_policy(browser, base_url):
    with urllib.request.urlopen(f"{base_url}/console/", timeout=30) as response:
        policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "default-src 'none'" in policy and "unsafe" not in policy

    user = unique("origin")
    credit(base_url, user, "1.00")
    open_page(browser, base_url, f"#/users/{user}")
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map((entry) => entry.name)")

    assert loaded and all(url.startswith(base_url) for url in loaded), loaded
    assert any(url.endswith("/console/uPlot.iife.min.js") for url in loaded)
