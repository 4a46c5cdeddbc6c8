"""An editor in headless Chromium on the seeds: the cluster list fits the screen, a cluster page
shows its claims highlighted with their figures and a plot, merge, split and verdict work through
the admin (a merge that undoes a split asks first), the review queue leads to cluster pages, an
article pasted into the admin is ingested and shows its claims, the audit log names every decision,
and the admin switches to right-to-left Arabic.

Needs Debian's chromium and chromium-driver (.ci/run installs them): skipped without them, except
under CI, where their absence fails.
"""

from __future__ import annotations

import os

import pytest

from factcheck import browser

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "browser-test-password"


@pytest.fixture(scope="module")
def driver():
    if reason := browser.missing():
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    chrome = browser.chrome()
    yield chrome
    chrome.quit()


@pytest.fixture
def editor(driver, live_server, transactional_db, django_user_model):
    from claims import services

    report = services.ingest_inputs([str(browser_seeds())])
    assert not report.errors, report.errors
    browser.give_seeds_example_dates()
    django_user_model.objects.create_superuser("editor", "editor@example.org", PASSWORD)
    driver.delete_all_cookies()
    browser.log_in(driver, live_server.url, "editor", PASSWORD)
    return driver


def browser_seeds():
    from tests.conftest import SEEDS

    return SEEDS


def css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def run_action(driver, action: str) -> str:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.NAME, "action")).select_by_value(action)
    browser.and_wait(driver, lambda: driver.find_element(By.NAME, "index").click())
    return " ".join(m.text for m in css(driver, ".messagelist li"))


def test_an_editor_judges_merges_splits_and_rules_on_clusters_in_both_languages(editor, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from claims.models import Claim, Cluster

    base = live_server.url
    # The cluster list fits 1,400 px; long labels are cut, whole in their title.
    editor.get(f"{base}/admin/claims/cluster/")
    page_width, window_width = browser.scroll_width(editor)
    assert page_width <= window_width
    assert editor.execute_script("const r = document.querySelector('.results'); return r.scrollWidth <= r.clientWidth")
    labels = css(editor, "#result_list .cluster-label")
    assert labels and all(label.get_attribute("dir") == "auto" and label.get_attribute("title") for label in labels)

    # A cluster page: each claim highlighted in its sentence, its figure read out, the plot drawn.
    claim = next(c for c in Claim.objects.order_by("id") if c.quantity and c.quantity.get("value") == 100_000_000)
    cluster = claim.cluster
    editor.get(f"{base}/admin/claims/cluster/{cluster.pk}/change/")
    cards = css(editor, ".claim-card")
    assert len(cards) == cluster.claims.count()
    assert all(card.find_element(By.TAG_NAME, "mark").text.strip() for card in cards)
    assert any("100 million" in f.text for f in css(editor, ".claim-figure"))
    arabic = [q for q in css(editor, "blockquote.claim-context") if q.get_attribute("lang") == "ar"]
    assert arabic and all(q.get_attribute("dir") == "auto" for q in arabic)
    dated = [p for p in cluster.timeline if p["as_of"]]
    assert dated
    assert len(css(editor, "figure.timeline svg g.mark circle")) == len(dated)
    assert all(t.get_attribute("textContent") for t in css(editor, "figure.timeline svg g.mark title"))
    assert browser.scroll_width(editor)[0] <= browser.scroll_width(editor)[1]

    # A verdict, given on that page.
    Select(editor.find_element(By.NAME, "verdict")).select_by_value("misleading")
    editor.find_element(By.NAME, "verdict_note").send_keys("Counts differ by date.")
    browser.and_wait(editor, lambda: editor.find_element(By.NAME, "_continue").click())
    cluster.refresh_from_db()
    assert cluster.verdict == "misleading" and cluster.verdict_by.username == "editor"

    # Split one claim off through the claim list's action.
    editor.get(f"{base}/admin/claims/claim/?cluster__id__exact={cluster.pk}")
    first = cluster.claims.order_by("id").first()
    editor.find_element(By.CSS_SELECTOR, f"input.action-select[value='{first.pk}']").click()
    assert "Split into new cluster" in run_action(editor, "split_off")
    first.refresh_from_db()
    assert first.cluster_id != cluster.pk

    # Merge it back through the cluster list's action.
    editor.get(f"{base}/admin/claims/cluster/")
    for pk in (cluster.pk, first.cluster_id):
        editor.find_element(By.CSS_SELECTOR, f"input.action-select[value='{pk}']").click()
    # Merging undoes the split just recorded: the admin first says what it overrides, and asks.
    assert run_action(editor, "merge") == ""
    overrides = " ".join(li.text for li in css(editor, "ul.overrides li"))
    assert overrides, "the confirmation page names the decision it overrides"
    browser.and_wait(
        editor, lambda: editor.find_element(By.CSS_SELECTOR, "input[type=submit][value='Yes, override']").click()
    )
    assert "Merged into cluster" in " ".join(m.text for m in css(editor, ".messagelist li"))
    assert Cluster.objects.get(pk=min(cluster.pk, first.cluster_id)).claims.filter(pk=first.pk).exists()

    # The review queue leads to cluster pages and says what is reviewed.
    editor.get(f"{base}/admin/claims/cluster/review/")
    rows = css(editor, "#review-queue tbody tr")
    assert rows and css(editor, ".counts")
    assert all("/admin/claims/cluster/" in a.get_attribute("href") for a in css(editor, "#review-queue tbody td a"))
    assert {"reviewed", "not-reviewed"} & {row.get_attribute("class") for row in rows}

    # Adding an article by pasting its text: the editor lands on its page and sees its claims.
    editor.get(f"{base}/admin/sources/source/add/")
    editor.find_element(By.NAME, "text").send_keys(
        "The civil defence said on Tuesday that 23 people were injured when a bridge collapsed in Tripoli."
    )
    editor.find_element(By.NAME, "title").send_keys("Bridge collapse")
    editor.find_element(By.NAME, "publisher").send_keys("Browser Wire")
    browser.and_wait(editor, lambda: editor.find_element(By.NAME, "_save").click())
    assert "/admin/sources/source/" in editor.current_url and "/change/" in editor.current_url
    assert "23 people were injured" in editor.page_source
    from sources.models import Source

    assert Source.objects.get(title="Bridge collapse").claims.exists()

    # The audit log names the verdict, the split and the merge, and who made them.
    editor.get(f"{base}/admin/claims/auditentry/")
    log = editor.find_element(By.ID, "result_list").text
    for action in ("Verdict", "Split claims off", "Merge clusters"):
        assert action in log, (action, log[:500])
    assert "editor" in log

    # The admin in Arabic: right to left, the project's own labels translated.
    browser.switch_language(editor, "ar")
    editor.get(f"{base}/admin/claims/cluster/{min(cluster.pk, first.cluster_id)}/change/")
    assert css(editor, "html[dir=rtl][lang=ar]")
    assert "ادعاء" in editor.find_element(By.CSS_SELECTOR, ".cluster-panel h2").text
    assert "الحكم" in editor.page_source
    editor.get(f"{base}/admin/claims/cluster/")
    assert browser.scroll_width(editor)[0] <= browser.scroll_width(editor)[1]
    assert editor.execute_script("const r = document.querySelector('.results'); return r.scrollWidth <= r.clientWidth")
    browser.switch_language(editor, "en")
