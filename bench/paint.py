"""First paint on a throttled 3G link, and the weight of each page's first load.

Run by bench/run.py against its running server: a phone (360 px wide) in Debian's Chromium,
the link throttled through the DevTools protocol (`Network.emulateNetworkConditions`) to
Chromium's "Fast 3G" preset (562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s up), the cache
empty. For the volunteer's home, calendar and duty page (signed in by a session cookie) and the
public tip form it prints the first-contentful-paint and the bytes that crossed the wire for the
page and all its assets (`encodedDataLength`: compressed, if the server compressed them),
against the targets: 1.5 s and 50 KB.
"""

import argparse
import sys

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
FAST_3G = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
    "uploadThroughput": 750 * 1000 / 8 * 0.9,
}
PAGES = [
    ("home (volunteer)", "/", True),
    ("calendar week", "/calendar/", True),
    ("duty page", "/duty/", True),
    ("tip form (public)", "/tips/new/", False),
]
FCP_TARGET_MS, WEIGHT_TARGET_KB = 1500, 50


def measure(base: str, session: str, cookie_name: str) -> list[tuple[str, float, float, int]]:
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        for name, path, signed_in in PAGES:
            context = browser.new_context(
                viewport={"width": 360, "height": 740}, is_mobile=True, locale="zh-CN"
            )
            if signed_in:
                context.add_cookies([{"name": cookie_name, "value": session, "url": base}])
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cdp.send("Network.emulateNetworkConditions", FAST_3G)
            sizes: dict[str, float] = {}
            cdp.on(
                "Network.loadingFinished",
                lambda event, sizes=sizes: sizes.__setitem__(
                    event["requestId"], event["encodedDataLength"]
                ),
            )
            page.goto(base + path, wait_until="load", timeout=60_000)
            page.wait_for_timeout(500)
            fcp = page.evaluate(
                "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime"
                " || 0"
            )
            rows.append((name, float(fcp), sum(sizes.values()) / 1024, len(sizes)))
            context.close()
        browser.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--base", required=True)
    parser.add_argument("--session", required=True, help="a volunteer's session key")
    parser.add_argument("--cookie-name", default="sessionid")
    args = parser.parse_args()
    rows = measure(args.base, args.session, args.cookie_name)
    print('\nFirst paint on Chromium\'s "Fast 3G" (562.5 ms, 1.44 Mbit/s), 360 px, empty cache')
    print(f"{'page':<20}{'FCP ms':>9}{'target':>9}{'':>8}{'KB':>8}{'target':>9}{'':>8}{'files':>7}")
    for name, fcp, kb, files in rows:
        print(
            f"{name:<20}{fcp:>9.0f}{FCP_TARGET_MS:>9}{'meets' if 0 < fcp <= FCP_TARGET_MS else 'misses':>8}"
            f"{kb:>8.1f}{WEIGHT_TARGET_KB:>9}{'meets' if kb <= WEIGHT_TARGET_KB else 'misses':>8}{files:>7}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
