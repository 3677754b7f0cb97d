"""Driving the console in a real browser: Debian's headless Chromium through Selenium, and the API beside it."""

import json
import urllib.error
import urllib.request
from decimal import Decimal

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from local.contract import REPO
from tests.support import unique

SCREENSHOTS = REPO / "build" / "console"
WAIT_SECONDS = 15


# ---- the API beside the page


def call(base_url: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{base_url}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def credit(base_url: str, user: str, amount: str, key: str | None = None) -> dict:
    status, body = call(
        base_url,
        "POST",
        "/transactions",
        {"idempotentKey": key or unique("k"), "userId": user, "amount": amount, "type": "credit"},
    )
    assert status == 201, body
    return body


def balance(base_url: str, user: str) -> Decimal:
    return Decimal(call(base_url, "GET", f"/users/{user}/balance")[1]["balance"])


def history(base_url: str, user: str) -> list[dict]:
    return call(base_url, "GET", f"/users/{user}/transactions?limit=100")[1]["items"]


# ---- the page


def open_page(browser, base_url: str, route: str = "") -> None:
    browser.get(f"{base_url}/console/{route}")
    browser.refresh()  # a new document even when only the fragment changed
    wait_ready(browser)


def wait_until(browser, condition):
    """Waits for condition(driver); the page may redraw or navigate while it is checked, so an element
    going stale or missing between two looks means "not yet", not a failure."""
    return WebDriverWait(
        browser, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)
    ).until(condition)


def wait_ready(browser) -> None:
    wait_until(browser, lambda driver: driver.execute_script("return document.body.dataset.view") == "ready")


def heading(browser) -> str:
    return browser.find_element(By.CSS_SELECTOR, "#view h2").text


def notice(browser) -> str:
    return browser.find_element(By.ID, "status").text


def form(browser, legend: str) -> WebElement:
    return browser.find_element(By.XPATH, f"//form[.//legend[normalize-space()='{legend}']]")


def fill(container: WebElement, **values: str) -> None:
    for name, value in values.items():
        field = container.find_element(By.NAME, name)
        if field.tag_name == "select":
            field.find_element(By.CSS_SELECTOR, f"option[value='{value}']").click()
        else:
            field.clear()
            field.send_keys(value)


def submit_and_wait(browser, action: WebElement, double: bool = False) -> str:
    """Submits the form (twice in a row when double) and waits for its outcome and the refreshed page."""
    browser.execute_script("document.getElementById('status').replaceChildren()")
    button = action.find_element(By.CSS_SELECTOR, "button[type=submit]")
    if double:
        ActionChains(browser).double_click(button).perform()
    else:
        button.click()
    wait_until(browser, lambda driver: notice(driver).strip())
    wait_ready(browser)
    return notice(browser)


def shoot(browser, name: str) -> None:
    browser.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def rows(browser, caption: str) -> list[list[str]]:
    table = browser.find_element(By.XPATH, f"//table[caption[normalize-space()='{caption}']]")
    return [
        [cell.get_attribute("textContent").strip() for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
