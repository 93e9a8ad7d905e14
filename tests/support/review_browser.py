"""Drive the review page in headless Chromium (Debian's `chromium` + `chromedriver`).

Shared by the e2e test and usable against any running stack: the page is served
by `lightbox review serve` (lightbox_cli.review.serve) in a thread, the browser
signs in with a minted reviewer token and decides tasks with the keyboard.
"""

from __future__ import annotations

import http.server
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def browser_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


@contextmanager
def serving(server: http.server.ThreadingHTTPServer) -> Iterator[str]:
    """Run a CLI page's server (`serve(..., port=0)`) in a thread; yield its URL."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def review_server(api_url: str) -> Iterator[str]:
    from lightbox_cli.review import serve

    with serving(serve(api_url.rstrip("/"), "127.0.0.1", 0)) as url:
        yield url


@contextmanager
def chromium(profile_dir: Path) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",  # runs as root here
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
        f"--user-data-dir={profile_dir}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile_dir, ignore_errors=True)


class ReviewPage:
    """The review page as a reviewer uses it: sign in, pick a task, press a key."""

    def __init__(self, driver: Any, url: str, timeout: float = 60) -> None:
        self.driver, self.url, self.timeout = driver, url, timeout

    def _wait(self, condition: Any, what: str) -> Any:
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        try:
            return WebDriverWait(self.driver, self.timeout, poll_frequency=0.2).until(
                condition, message=what
            )
        except TimeoutException as exc:
            raise TimeoutException(f"{what}; the page then: {self._state()}") from exc

    def _state(self) -> str:
        """What a reviewer would see when a wait gives up: status line, selection, focus."""
        return str(
            self.driver.execute_script(
                "const t = (s) => { const e = document.querySelector(s); "
                "return e ? e.textContent.trim().slice(0, 200) : '-'; };"
                "const a = document.querySelector('#approve');"
                "return JSON.stringify({status: t('#status'), selected: t('#tasks li.selected b'),"
                " title: t('#title'), approve_disabled: a ? a.disabled : null,"
                " focus: document.activeElement ? document.activeElement.tagName : null,"
                " queue: [...document.querySelectorAll('#tasks li b')].map(b => b.textContent)});"
            )
        )

    def settled(self) -> None:
        """Wait until the page has no request in flight (`<body data-busy>`): what it
        shows is then what the API last said, not a list or detail still loading."""
        self._wait(
            lambda d: d.execute_script("return document.body.dataset.busy || '0'") == "0",
            "requests settled",
        )

    def sign_in(self, token: str) -> None:
        from selenium.webdriver.common.by import By

        self.driver.get(self.url)
        box = self._wait(lambda d: d.find_element(By.ID, "token-input"), "sign-in box")
        box.send_keys(token)
        self.driver.find_element(By.ID, "token-save").click()
        self._wait(
            lambda d: d.find_element(By.ID, "workspace").is_displayed(), "workspace after sign-in"
        )
        self.settled()

    def filter_seller(self, seller: str) -> None:
        from selenium.webdriver.common.by import By

        field = self.driver.find_element(By.CSS_SELECTOR, "#filters input[name=seller]")
        field.clear()
        field.send_keys(seller)
        self.driver.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
        self.settled()  # the filtered list, not the one shown before it arrived
        self._wait(
            lambda d: (names := self.queue()) and all(n.startswith(seller + "/") for n in names),
            f"queue filtered to {seller}",
        )

    def queue(self) -> list[str]:
        """The queue's entries (seller/sku), read in one go: the list is redrawn on changes."""
        return list(
            self.driver.execute_script(
                "return [...document.querySelectorAll('#tasks li b')].map(b => b.textContent)"
            )
        )

    def selected(self) -> str:
        return str(
            self.driver.execute_script(
                "const b = document.querySelector('#tasks li.selected b');"
                "return b ? b.textContent : '';"
            )
        )

    def open_task(self, sku: str) -> None:
        """Select the queue entry for `sku` (j/k until it is selected, as a reviewer would)."""
        from selenium.webdriver.common.by import By

        self._wait(lambda d: any(n.endswith("/" + sku) for n in self.queue()), f"{sku} queued")
        for _ in range(len(self.queue())):
            entries, current = self.queue(), self.selected()
            if current.endswith("/" + sku):
                break
            target = next(i for i, name in enumerate(entries) if name.endswith("/" + sku))
            here = entries.index(current) if current in entries else -1
            self.press("j" if target > here else "k")
            time.sleep(0.3)
        self._wait(lambda d: self.selected().endswith("/" + sku), f"task {sku} selected")
        self._wait(
            lambda d: (
                sku in d.find_element(By.ID, "title").text
                and d.find_element(By.ID, "detail").is_displayed()
            ),
            f"detail of {sku}",
        )
        # Images are presigned links straight to S3: wait until they are drawn.
        self._wait(
            lambda d: d.execute_script(
                "return [...document.querySelectorAll('#images img')].every("
                "i => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width > 0)"
            ),
            "images loaded",
        )

    def press(self, key: str) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        self.settled()  # a key acts on what the page shows once its requests are answered
        ActionChains(self.driver).send_keys(key).perform()

    def status(self) -> str:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.ID, "status").text

    def wait_status(self, fragment: str) -> str:
        return self._wait(
            lambda d: fragment in self.status() and self.status(), f"status '{fragment}'"
        )

    def reject(self, reason: str) -> None:
        from selenium.webdriver.common.by import By

        self.press("r")
        box = self._wait(
            lambda d: d.find_element(By.CSS_SELECTOR, "#reject-form textarea"), "reject form"
        )
        box.send_keys(reason)
        self.click(self.driver.find_element(By.CSS_SELECTOR, "#reject-form button[type=submit]"))

    def correct(self, title: str, margin_clicks: int, cutout: str) -> None:
        """Open the correction form with `c`, edit the title, nudge the margin with the
        mouse (each click: 0.02 less margin) and say how the cut-out is wrong."""
        from selenium.webdriver.common.by import By

        self.press("c")
        form = self._wait(
            lambda d: (
                d.find_element(By.ID, "correct-form").is_displayed()
                and d.find_element(By.ID, "correct-form")
            ),
            "correction form",
        )
        field = form.find_element(By.NAME, "title")
        field.clear()
        field.send_keys(title)
        for _ in range(margin_clicks):
            self.click(form.find_element(By.ID, "margin-less"))
        self.click(form.find_element(By.CSS_SELECTOR, f"input[name=cutout][value={cutout}]"))
        self.click(form.find_element(By.CSS_SELECTOR, "button[type=submit]"))

    def click(self, element: Any) -> None:
        """Click as a mouse would, with the element scrolled clear of the status line."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def screenshot(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))
        return path
