/*
 * Watched pages (issue 16): the list of pages this registry re-captures, and a page's
 * history: each version with when it was first and last seen, what changed (paragraph
 * by paragraph), and its evidence (article, receipt, WARC), plus disappearances.
 *
 * Self-contained beside app.js: plain JavaScript, every string from the API reaches the
 * page as text (textContent), never as markup. A history has a URL to share,
 * /watches/{id}, which opens this view.
 */
"use strict";

(() => {
  const API = "/v1";
  const WATCH_PATH = /^\/watches\/(\d{1,10})\/?$/;
  const KIND_LABELS = {
    captured: "First capture",
    changed: "Changed",
    unchanged: "Unchanged",
    gone: "Gone",
    failed: "Check failed",
  };

  function el(tag, attrs, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") element.className = value;
      else element.setAttribute(name, String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : String(child));
    }
    return element;
  }

  const $ = (id) => document.getElementById(id);
  const when = (seconds) =>
    new Date(seconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  const every = (seconds) => {
    for (const [unit, size] of [["w", 604800], ["d", 86400], ["h", 3600], ["m", 60]]) {
      if (seconds % size === 0) return `${seconds / size}${unit}`;
    }
    return `${seconds}s`;
  };

  async function getJson(path) {
    const response = await fetch(path, { headers: { Accept: "application/json" } });
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const message = body && body.error ? body.error.message : response.statusText;
      throw new Error(message || `HTTP ${response.status}`);
    }
    return body;
  }

  function showError(target, error) {
    target.replaceChildren(el("p", { class: "error", role: "alert" }, String(error.message)));
  }

  async function loadList() {
    const body = $("watches-body");
    const count = $("watches-count");
    if (!body) return;
    try {
      const page = await getJson(`${API}/watches?limit=200`);
      count.textContent = `${page.total} watched ${page.total === 1 ? "page" : "pages"}`;
      body.replaceChildren(
        ...page.items.map((watch) =>
          el(
            "tr",
            { "data-watch": watch.id },
            el("td", {}, el("a", { href: `/watches/${watch.id}`, class: "watch-link" }, watch.url)),
            el("td", {}, every(watch.every_seconds)),
            el("td", {}, watch.state),
            el("td", {}, watch.last_checked_at ? when(watch.last_checked_at) : "not yet"),
          ),
        ),
      );
    } catch (error) {
      showError($("watches-message"), error);
    }
  }

  function evidence(event) {
    const links = [];
    if (event.article_id) {
      links.push(el("a", { href: `/articles/${event.article_id}` }, "article"));
      links.push(
        el("a", { href: `${API}/articles/${event.article_id}/receipt`, download: "" }, "receipt"),
      );
    }
    if (event.capture) {
      links.push(el("a", { href: event.capture.warc_url, download: "" }, "WARC"));
    }
    if (!links.length) return null;
    const list = el("p", { class: "watch-evidence" }, "Evidence: ");
    links.forEach((link, index) => list.append(index ? ", " : "", link));
    return list;
  }

  function changeList(event) {
    if (event.kind !== "changed") return null;
    if (event.changes === null) {
      return el("p", { class: "muted" }, "No paragraph diff (not text, or not computed here).");
    }
    const items = event.changes.map((change) => {
      const where =
        change.kind === "added"
          ? `Paragraph ${change.presented_index + 1} added`
          : `Paragraph ${change.registered_index + 1} ${change.kind}`;
      return el(
        "li",
        { class: `watch-change ${change.kind}` },
        el("span", { class: "watch-where" }, where),
        change.registered_text !== null ? el("del", {}, change.registered_text) : null,
        change.presented_text !== null ? el("ins", {}, change.presented_text) : null,
      );
    });
    const list = el("ol", { class: "watch-changes" }, items);
    return event.changes_truncated ? [list, el("p", { class: "muted" }, "More changes not shown.")] : list;
  }

  function eventItem(event) {
    const seen =
      event.count > 1
        ? `${when(event.first_at)} to ${when(event.last_at)} (${event.count} checks)`
        : when(event.first_at);
    return el(
      "li",
      { class: `watch-event ${event.kind}`, "data-kind": event.kind },
      el("p", {}, el("strong", {}, KIND_LABELS[event.kind] || event.kind), " · ", seen),
      event.detail ? el("p", { class: "muted" }, event.detail) : null,
      event.article_id ? el("p", { class: "mono" }, `Version ${event.article_id}`) : null,
      changeList(event),
      evidence(event),
    );
  }

  async function openHistory(id, push) {
    const target = $("watch-history");
    if (!target) return;
    try {
      const history = await getJson(`${API}/watches/${id}/history`);
      const watch = history.watch;
      target.replaceChildren(
        el("h2", { id: "watch-history-title", tabindex: "-1" }, `History of ${watch.url}`),
        el(
          "p",
          { class: "muted" },
          `Checked every ${every(watch.every_seconds)}; ${watch.state}. `,
          el("a", { href: `${API}/changes.atom?watch_id=${watch.id}` }, "Atom feed of its changes"),
        ),
        el("p", { class: "hint" }, history.note),
        el("ol", { class: "watch-events", id: "watch-events" }, history.events.map(eventItem)),
      );
      if (push) window.history.pushState({ watch: id }, "", `/watches/${id}`);
      $("watch-history-title").focus();
    } catch (error) {
      showError(target, error);
    }
  }

  function start() {
    if (!$("watched")) return;
    $("watches-body").addEventListener("click", (event) => {
      const link = event.target.closest("a.watch-link");
      if (!link) return;
      event.preventDefault();
      openHistory(link.closest("tr").dataset.watch, true);
    });
    window.addEventListener("popstate", () => {
      const match = WATCH_PATH.exec(window.location.pathname);
      if (match) openHistory(match[1], false);
    });
    loadList();
    const match = WATCH_PATH.exec(window.location.pathname);
    if (match) {
      $("watched").scrollIntoView();
      openHistory(match[1], false);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
