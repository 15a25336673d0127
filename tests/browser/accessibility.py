"""What the accessibility checks look for on a page: axe-core's serious and critical findings,
and tap targets smaller than 44×44 px. Each returns readable lines, one per problem."""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page

from conftest import PASSWORD
from tests.browser.signing import latest_code

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}
TAP = 44  # px, each side (WCAG 2.5.5; what the issue asks for every target)


def axe_script() -> Path:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/ensure-axe (make test and make a11y do).")
    return AXE


def axe_problems(page: Page) -> list[str]:
    """axe-core's serious and critical violations on this page: rule, impact, target, help."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=axe_script())
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"axe {violation['id']} ({violation['impact']}) at {json.dumps(node['target'])}: "
        f"{violation['help']}"
        for violation in violations
        if violation["impact"] in FAILING_IMPACTS
        for node in violation["nodes"]
    ]


# A target is what a finger can hit: a checkbox or radio button counts with its label, which
# toggles it too. Links inside running text are exempt (WCAG 2.5.8, "inline"): a line of text
# cannot be made 44 px tall. Links in navigation, lists of their own, tabs and pagination are not.
SMALL_TARGETS = """
(size) => {
  const shown = (el) => {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  };
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    if (el.name) name += `[name=${el.name}]`;
    if (el.type && el.tagName === 'INPUT') name += `[type=${el.type}]`;
    const cls = (el.getAttribute('class') || '').trim();
    if (cls) name += '.' + cls.split(/\\s+/).join('.');
    const parent = el.parentElement && el.parentElement.closest('[class],[id],[data-testid]');
    const where = parent ? ` in ${parent.tagName.toLowerCase()}${parent.id ? '#' + parent.id : ''}${parent.getAttribute('class') ? '.' + parent.getAttribute('class').trim().split(/\\s+/).join('.') : ''}` : '';
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 24);
    return `${name}${where}${text ? ' "' + text + '"' : ''}`;
  };
  const inRunningText = (el) => {
    if (getComputedStyle(el).display !== 'inline') return false;
    const block = el.parentElement;
    if (!block || block.closest('nav, .bar, .tabs, .pages, .cards')) return false;
    // Text of its own beside the link: the link sits in a sentence or a line of facts.
    let text = '';
    for (const node of block.childNodes) {
      if (node !== el && node.nodeType === Node.TEXT_NODE) text += node.textContent;
      else if (node !== el && node.nodeType === Node.ELEMENT_NODE && node.tagName !== 'A') text += node.textContent;
    }
    return text.trim().length > 0;
  };
  const targetBox = (el) => {
    let box = el.getBoundingClientRect();
    let width = box.width, height = box.height;
    if (el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio')) {
      const labels = [...(el.labels || [])].filter(shown);
      for (const label of labels) {
        const lbox = label.getBoundingClientRect();
        width = Math.max(width, lbox.width);
        height = Math.max(height, lbox.height);
      }
    }
    return [Math.round(width), Math.round(height)];
  };
  const found = [];
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const el of document.querySelectorAll(selector)) {
    if (!shown(el) || el.closest('[hidden], [aria-hidden=true]')) continue;
    if (el.tagName === 'A' && inRunningText(el)) continue;
    const [width, height] = targetBox(el);
    if (width < size || height < size) found.push(`${describe(el)} is ${width}×${height}`);
  }
  return found;
}
"""


def small_targets(page: Page) -> list[str]:
    """Buttons, links, fields and summaries smaller than 44×44 px, running text aside."""
    return [f"tap target {line}" for line in page.evaluate(SMALL_TARGETS, TAP)]


def sign_in(page: Page, base: str, phone: str, password: str = PASSWORD) -> None:
    """Sign in through the page; staff give the code sent to them as well."""
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=phone]", phone)
    page.fill("input[name=password]", password)
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_load_state()
    if urlsplit(page.url).path.startswith("/accounts/login/second-step/"):
        page.fill("input[name=code]", latest_code(phone))
        page.get_by_test_id("finish-sign-in").click()
        page.wait_for_load_state()
    assert not urlsplit(page.url).path.startswith("/accounts/login/"), f"{phone} not signed in"


def is_code(part: str) -> bool:
    """A token or tracking code: long, with digits or capitals, unlike kebab-case words."""
    return len(part) >= 16 and bool(
        re.fullmatch(r"[A-Za-z0-9_-]+", part) and re.search(r"[0-9A-Z]", part)
    )


def pattern(path: str) -> str:
    """One pattern for pages of the same kind: /tips/123/ and /tips/456/ are one page."""
    # Numbers and long codes (tracking codes, tokens) stand for any object of that kind.
    return "/".join(
        "<n>" if re.fullmatch(r"\d+", part) or is_code(part) else part for part in path.split("/")
    )
