/*
 * The registry's web page: verify a document, browse registered articles, check a quote.
 *
 * Plain JavaScript, no build step and no third-party code. Every string that comes
 * from the API reaches the page through text nodes (textContent / Node.append of a
 * string), never through innerHTML, and the server's Content-Security-Policy allows
 * only scripts from this origin (this file, check.js and its verifier), none inline.
 * It is an ES module so that it can share ./worddiff.js, the word diff the CLI also uses.
 */
import { wordDiff } from "./worddiff.js";

(() => {
  const API = "/v1";
  const PAGE_SIZE = 20;
  // The quote form's article list and the filters' suggestions load at most this many.
  const ALL_ARTICLES_LIMIT = 500;
  // Paragraph changes rendered side by side; the unified diff below covers the rest.
  const MAX_CHANGES_SHOWN = 200;

  // ---------------------------------------------------------------- DOM helpers

  /** An element with attributes and children; strings become text nodes, never markup. */
  function h(tag, attrs, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") element.className = value;
      else if (name.startsWith("on") && typeof value === "function") {
        element.addEventListener(name.slice(2), value);
      } else element.setAttribute(name, value === true ? "" : String(value));
    }
    appendAll(element, children);
    return element;
  }

  function appendAll(element, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      element.append(child instanceof Node ? child : String(child));
    }
  }

  function replaceContent(element, ...children) {
    element.replaceChildren();
    appendAll(element, children);
  }

  const $ = (id) => document.getElementById(id);

  const plural = (count, one, many) => `${count} ${count === 1 ? one : many || one + "s"}`;
  const shortHex = (hex) => {
    const text = String(hex || "");
    return text.length > 18 ? `${text.slice(0, 10)}…${text.slice(-6)}` : text;
  };

  // ---------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  function errorMessage(status, body, statusText) {
    const error = body && body.error;
    if (error && error.message) return [error.code || `http_${status}`, String(error.message)];
    const detail = body && body.detail;
    if (typeof detail === "string") return [`http_${status}`, detail];
    if (Array.isArray(detail)) {
      const parts = detail.map((d) =>
        [d.loc && d.loc.slice(1).join("."), d.msg].filter(Boolean).join(": "),
      );
      return [`http_${status}`, parts.join("; ")];
    }
    return [`http_${status}`, `The registry answered ${status} ${statusText}.`.replace(" .", ".")];
  }

  async function api(path, options = {}) {
    let response;
    try {
      response = await fetch(API + path, {
        ...options,
        headers: { Accept: "application/json", ...(options.headers || {}) },
      });
    } catch {
      throw new ApiError(
        0,
        "network",
        "The registry could not be reached. Check the connection and try again.",
      );
    }
    let body = null;
    if ((response.headers.get("content-type") || "").includes("json")) {
      try {
        body = await response.json();
      } catch {
        body = null;
      }
    }
    if (!response.ok) {
      const [code, message] = errorMessage(response.status, body, response.statusText);
      throw new ApiError(response.status, code, message);
    }
    return body;
  }

  const articleCache = new Map();

  async function fetchArticle(id) {
    if (!articleCache.has(id)) {
      const request = api(`/articles/${encodeURIComponent(id)}`);
      articleCache.set(id, request);
      request.catch(() => articleCache.delete(id));
    }
    return articleCache.get(id);
  }

  // ---------------------------------------------------------------- formatting

  function isoUtc(seconds) {
    return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  function readableUtc(seconds) {
    return isoUtc(seconds).replace("T", " ").replace("Z", " UTC");
  }

  function localTime(seconds) {
    try {
      return new Date(seconds * 1000).toLocaleString(undefined, {
        dateStyle: "medium",
        timeStyle: "long",
      });
    } catch {
      return new Date(seconds * 1000).toString();
    }
  }

  /** A <time> for a chain timestamp: ISO/UTC, then the reader's local time. */
  function timeBlock(seconds) {
    return h(
      "span",
      { class: "time-pair" },
      h("time", { datetime: isoUtc(seconds) }, isoUtc(seconds)),
      h("span", { class: "muted" }, ` (local: ${localTime(seconds)})`),
    );
  }

  function mono(text, extraClass) {
    return h("code", { class: `mono ${extraClass || ""}`.trim() }, String(text));
  }

  const metadataOf = (record) => (record && record.metadata) || {};

  /** The article's title in its own language, or a stand-in when it has none. */
  function titleNode(record, tag = "span") {
    const metadata = metadataOf(record);
    if (metadata.title) {
      return h(tag, { class: "article-title", lang: metadata.language || null }, metadata.title);
    }
    return h(tag, { class: "article-title untitled" }, untitledLabel(record));
  }

  /** What to call an article without a title: its publisher and the start of its id. */
  function untitledLabel(record) {
    const id = record ? record.id : "";
    const publisher = metadataOf(record).publisher;
    return publisher
      ? `Untitled (${publisher}, ${id.slice(0, 12)})`
      : `Untitled (${id.slice(0, 12)})`;
  }

  function statusBadge(status) {
    const value = status || "unknown";
    const labels = { active: "Active", revoked: "Revoked", superseded: "Superseded" };
    return h("span", { class: `badge status-${value}` }, labels[value] || value);
  }

  function stateBadge(state) {
    if (state === "anchored") return h("span", { class: "badge state-anchored" }, "Anchored");
    // queued: accepted, waiting for the next batch; pending: in a batch not anchored yet
    const label = state === "queued" ? "Queued for anchoring" : "Pending anchor";
    return h("span", { class: "badge state-pending" }, label);
  }

  function definitionList(rows, extraClass) {
    const list = h("dl", { class: `facts ${extraClass || ""}`.trim() });
    for (const [term, value] of rows) {
      if (value === null || value === undefined || value === "") continue;
      list.append(h("div", { class: "fact" }, h("dt", {}, term), h("dd", {}, value)));
    }
    return list;
  }

  function anchorRows(anchor) {
    if (!anchor) return [];
    const timestamp = anchor.block_timestamp;
    return [
      ["Anchored at", timeBlock(timestamp)],
      ["Block", String(anchor.block_number)],
      ["Transaction", mono(anchor.transaction_hash, "hash")],
      ["Registrar", mono(anchor.registrar, "hash")],
      ["Contract", mono(anchor.contract, "hash")],
      ["Chain ID", String(anchor.chain_id)],
    ];
  }

  function statusValue(status, reason, supersededBy) {
    const parts = [statusBadge(status)];
    if (status === "revoked" && reason) {
      parts.push(" ", h("span", { class: "status-reason" }, `Reason: ${reason}`));
    }
    if (status === "superseded" && supersededBy) {
      parts.push(" by ", articleButton(supersededBy));
    }
    return h("span", { class: "status-value" }, parts);
  }

  /** A button naming an article (title once known) that opens its details. */
  function articleButton(id) {
    const button = h(
      "button",
      { type: "button", class: "link-button", onclick: () => openArticle(id) },
      mono(shortHex(id)),
    );
    fetchArticle(id)
      .then((record) => replaceContent(button, titleNode(record)))
      .catch(() => {});
    return button;
  }

  function errorNotice(error, what) {
    const message =
      error instanceof ApiError
        ? error.message
        : String(error && error.message ? error.message : error);
    return h(
      "div",
      { class: "notice notice-error", role: "alert" },
      h("strong", {}, `${what} failed. `),
      message,
    );
  }

  const generations = new WeakMap();

  /**
   * Show `busyText` in `container` while `work()` runs, then what it resolves to (nodes,
   * or a function called then for them), or the error it throws. The latest run in a
   * container wins: an earlier answer that arrives late is dropped.
   */
  async function run(container, busyText, what, work) {
    const generation = (generations.get(container) || 0) + 1;
    generations.set(container, generation);
    container.setAttribute("aria-busy", "true");
    replaceContent(
      container,
      h("p", { class: "busy" }, h("span", { class: "spinner", "aria-hidden": "true" }), busyText),
    );
    let shown;
    let failed = null;
    try {
      shown = await work();
    } catch (error) {
      failed = error;
    }
    if (generations.get(container) !== generation) return;
    container.removeAttribute("aria-busy");
    if (failed !== null) replaceContent(container, errorNotice(failed, what));
    else replaceContent(container, typeof shown === "function" ? shown() : shown);
  }

  // ---------------------------------------------------------------- inline diff

  /** One side of a word diff (./worddiff.js): "del" marks the registered text's removed runs,
   * "ins" the presented text's added ones; equal runs are plain text on both sides. */
  function diffSide(segments, keep) {
    const nodes = [];
    for (const segment of segments) {
      if (segment.op === "equal") nodes.push(segment.old);
      else if (keep === "del" && segment.old) {
        nodes.push(h("del", { class: "diff-del" }, segment.old));
      } else if (keep === "ins" && segment.new) {
        nodes.push(h("ins", { class: "diff-ins" }, segment.new));
      }
    }
    return nodes;
  }

  // ---------------------------------------------------------------- verdicts

  const KIND_LABEL = {
    authentic: "Authentic",
    authentic_normalized: "Authentic up to formatting",
    modified: "Modified",
    unknown: "Unknown",
  };

  function whenRegistered(verdict) {
    const anchor = verdict.anchor;
    if (verdict.state === "anchored" && anchor) {
      return `registered on ${readableUtc(anchor.block_timestamp)} in block ${anchor.block_number}`;
    }
    return "registered here (its batch is still waiting to be anchored on chain, so there is no block yet)";
  }

  function changeCounts(changes) {
    const counts = { changed: 0, added: 0, removed: 0 };
    for (const change of changes) counts[change.kind] = (counts[change.kind] || 0) + 1;
    const parts = [];
    if (counts.changed) parts.push(`${plural(counts.changed, "paragraph")} changed`);
    if (counts.added) parts.push(`${counts.added} added`);
    if (counts.removed) parts.push(`${counts.removed} removed`);
    if (parts.length && !counts.changed) {
      // "2 added" alone does not say what was added
      parts[0] = parts[0].replace(
        /^(\d+) (added|removed)$/,
        (_, n, verb) => `${plural(Number(n), "paragraph")} ${verb}`,
      );
    }
    return parts.length ? parts.join(", ") : "the paragraphs were reordered";
  }

  function summarySentence(verdict, title) {
    const what = title ? ["the article ", title, " "] : ["the article "];
    switch (verdict.kind) {
      case "authentic":
        return ["this is exactly ", what, whenRegistered(verdict), "."];
      case "authentic_normalized": {
        const converted = convertedSentence(verdict, what);
        if (converted) return converted;
        const differences = (verdict.formatting_differences || []).join(", ") || "formatting";
        return [
          "the same paragraphs, word for word, as ",
          what,
          whenRegistered(verdict),
          `; only the layout differs (${differences}).`,
        ];
      }
      case "modified": {
        const similarity =
          typeof verdict.similarity === "number"
            ? ` Paragraph similarity: ${Math.round(verdict.similarity * 100)}%.`
            : "";
        return [
          `${changeCounts(verdict.changes || [])}, compared with `,
          what,
          whenRegistered(verdict),
          `.${similarity}`,
        ];
      }
      default:
        return [
          "nothing registered matches this document. It is neither a registered article, nor the same text laid out differently, nor a modified copy of one.",
        ];
    }
  }

  // ------------------------------------------- encodings and formats (issue 14)

  /** "GB18030 → UTF-8" of the verdict's conversion of this aspect ("encoding", "format"). */
  function conversionOf(verdict, aspect) {
    const prefix = `${aspect}: `;
    const found = (verdict.conversions || []).find((item) => item.startsWith(prefix));
    return found ? found.slice(prefix.length) : null;
  }

  /**
   * The summary of a copy that is the registered text in another format or encoding, or
   * null when nothing was converted (then only the layout differs).
   */
  function convertedSentence(verdict, what) {
    const format = conversionOf(verdict, "format");
    const encoding = conversionOf(verdict, "encoding");
    if (!format && !encoding) return null;
    const layout = (verdict.formatting_differences || []).length
      ? ` and in its layout (${verdict.formatting_differences.join(", ")})`
      : "";
    if (format) {
      return [
        `the same text in another format (${format}) as `,
        what,
        whenRegistered(verdict),
        encoding ? `; its encoding differs too (${encoding}).` : ".",
      ];
    }
    return [
      "the same paragraphs, word for word, as ",
      what,
      whenRegistered(verdict),
      `; it differs only in its encoding (${encoding})${layout}.`,
    ];
  }

  /** The conversions made to compare the copy with the registered text, said plainly. */
  function conversionNotices(verdict) {
    const conversions = verdict.conversions || [];
    if (!conversions.length) return [];
    return [
      h(
        "div",
        { class: "notice notice-info verdict-conversions" },
        h("strong", {}, "Converted to compare. "),
        `Your copy was read as text and compared paragraph by paragraph: ${conversions.join("; ")}. `,
        "The SHA-256 of your copy is not the registered one: it is not the registered file, byte for byte.",
      ),
    ];
  }

  /** The article record's text rendition: its encoding, and the extractor that read its text. */
  function textRenditionRows(record) {
    const rows = [];
    if (record.encoding) rows.push(["Encoding", record.encoding]);
    if (record.extractor) {
      rows.push([
        "Text extracted by",
        `${record.extractor}${record.extractor_version ? ` ${record.extractor_version}` : ""}`,
      ]);
    }
    return rows;
  }

  function statusNotices(verdict) {
    const notices = [];
    if (verdict.status === "revoked") {
      notices.push(
        h(
          "div",
          { class: "notice notice-error" },
          h("strong", {}, "Revoked. "),
          "The registrar has revoked this article on chain",
          verdict.revocation_reason ? [": ", h("q", {}, verdict.revocation_reason)] : "",
          ". Do not rely on it as current.",
        ),
      );
    } else if (verdict.status === "superseded") {
      notices.push(
        h(
          "div",
          { class: "notice notice-warning" },
          h("strong", {}, "Superseded. "),
          "A newer article replaces this one: ",
          verdict.superseded_by ? articleButton(verdict.superseded_by) : "(not named)",
          ".",
        ),
      );
    }
    const waiting = verdict.state === "pending" || verdict.state === "queued";
    if (verdict.kind !== "unknown" && waiting) {
      notices.push(
        h(
          "div",
          { class: "notice notice-info" },
          h("strong", {}, "Not anchored yet. "),
          "The registry knows this article, but the chain does not hold its batch yet; there is no on-chain evidence to check until it is anchored.",
        ),
      );
    }
    return notices;
  }

  /**
   * The headline's first words. A revoked or superseded article's status leads: its copy
   * may be exact, but "Authentic:" must not be the first thing a reader takes away.
   */
  function verdictLabel(verdict) {
    if (verdict.status === "revoked") return "Revoked";
    if (verdict.status === "superseded") return "Superseded";
    return KIND_LABEL[verdict.kind] || verdict.kind;
  }

  function verdictTone(verdict) {
    if (verdict.status === "revoked") return "bad";
    if (verdict.kind === "unknown") return "neutral";
    if (verdict.kind === "modified" || verdict.status === "superseded") return "warn";
    return "good";
  }

  function renderChanges(changes) {
    const shown = changes.slice(0, MAX_CHANGES_SHOWN);
    const list = h(
      "div",
      {
        class: "changes",
        role: "list",
        "aria-label": "Paragraph changes, registered beside presented",
      },
      h(
        "div",
        { class: "changes-head", "aria-hidden": "true" },
        h("div", {}, "Registered"),
        h("div", {}, "Presented"),
      ),
    );
    for (const change of shown) list.append(renderChange(change));
    const wrapper = h("div", { class: "changes-block" }, h("h3", {}, "What changed"), list);
    if (changes.length > shown.length) {
      wrapper.append(
        h(
          "p",
          { class: "muted" },
          `…and ${changes.length - shown.length} more changes; the unified diff below has them all.`,
        ),
      );
    }
    return wrapper;
  }

  function paragraphLabel(change) {
    const registered = change.registered_index;
    const presented = change.presented_index;
    if (change.kind === "changed") {
      return registered === presented
        ? `Paragraph ${registered + 1} changed`
        : `Paragraph ${registered + 1} changed (now paragraph ${presented + 1})`;
    }
    if (change.kind === "added") return `Paragraph ${presented + 1} added`;
    return `Paragraph ${registered + 1} removed`;
  }

  function renderChange(change) {
    const ops =
      change.kind === "changed" ? wordDiff(change.registered_text, change.presented_text) : null;
    const side = (which, index, text, keep) => {
      // named for screen readers and narrow screens, where the column heads are not shown
      const name = h(
        "span",
        { class: "side-name" },
        which === "registered" ? "Registered" : "Presented",
      );
      if (index === null || index === undefined) {
        return h(
          "div",
          { class: `side ${which} empty` },
          name,
          h(
            "span",
            { class: "placeholder" },
            which === "registered" ? "Not in the registered article" : "Not in the presented copy",
          ),
        );
      }
      return h(
        "div",
        { class: `side ${which}`, "data-index": index + 1 },
        name,
        h("span", { class: "para-num" }, `¶ ${index + 1}`),
        h("p", { class: "para-text" }, ops ? diffSide(ops, keep) : text),
      );
    };
    return h(
      "div",
      {
        class: `change ${change.kind}`,
        role: "listitem",
        "data-kind": change.kind,
        "data-registered-paragraph":
          change.registered_index === null ? null : change.registered_index + 1,
        "data-presented-paragraph":
          change.presented_index === null ? null : change.presented_index + 1,
      },
      h(
        "p",
        { class: "change-label" },
        // the label says the kind in words; the tag repeats it for the eye only
        h("span", { class: `kind-tag kind-${change.kind}`, "aria-hidden": "true" }, change.kind),
        h("span", { class: "change-text" }, paragraphLabel(change)),
      ),
      h(
        "div",
        { class: "sides" },
        side("registered", change.registered_index, change.registered_text, "del"),
        side("presented", change.presented_index, change.presented_text, "ins"),
      ),
    );
  }

  function renderVerdict(verdict, record, sourceName) {
    const tone = verdictTone(verdict);
    const title = record ? titleNode(record, "cite") : null;
    const container = h("article", {
      class: `verdict verdict-${verdict.kind} tone-${tone}`,
      "data-kind": verdict.kind,
      "aria-labelledby": "verdict-headline",
    });
    container.append(
      h(
        "header",
        { class: "verdict-head" },
        h("span", { class: "verdict-icon", "aria-hidden": "true" }),
        h(
          "div",
          {},
          h(
            "h2",
            { id: "verdict-headline", class: "verdict-headline" },
            h("span", { class: "verdict-kind" }, `${verdictLabel(verdict)}:`),
            " ",
            h("span", { class: "verdict-summary" }, summarySentence(verdict, title)),
          ),
          sourceName ? h("p", { class: "verdict-source muted" }, `Checked: ${sourceName}`) : null,
        ),
      ),
    );
    appendAll(container, statusNotices(verdict));
    appendAll(container, conversionNotices(verdict));

    const rows = [];
    if (verdict.registered_digest) {
      rows.push([
        "Registered article",
        h(
          "span",
          {},
          record ? titleNode(record) : null,
          record ? h("br") : null,
          h(
            "button",
            {
              type: "button",
              class: "link-button",
              onclick: () => openArticle(verdict.registered_digest),
            },
            "Show its record",
          ),
        ),
      ]);
    }
    rows.push(...anchorRows(verdict.anchor));
    if (verdict.anchor && verdict.anchor.batch_root) {
      rows.push(["Batch root", mono(verdict.anchor.batch_root, "hash")]);
    }
    if (verdict.status) {
      rows.push([
        "Status",
        statusValue(verdict.status, verdict.revocation_reason, verdict.superseded_by),
      ]);
    }
    if (verdict.kind !== "unknown") rows.push(["Anchoring", stateBadge(verdict.state)]);
    rows.push(["SHA-256 of your copy", mono(verdict.presented_digest, "hash")]);
    if (verdict.registered_digest && verdict.registered_digest !== verdict.presented_digest) {
      rows.push(["SHA-256 registered", mono(verdict.registered_digest, "hash")]);
    }
    // for a modified copy what changed comes first, the evidence after it
    if (verdict.kind === "modified" && verdict.changes && verdict.changes.length) {
      container.append(renderChanges(verdict.changes));
    }
    container.append(
      h("h3", { class: "evidence-title" }, "Evidence"),
      definitionList(rows, "evidence"),
    );
    if (verdict.unified_diff) {
      container.append(
        h(
          "details",
          { class: "unified-diff" },
          h("summary", {}, "Unified diff (one line per paragraph)"),
          h("pre", {}, verdict.unified_diff),
        ),
      );
    }
    return container;
  }

  function verify(body, headers, sourceName) {
    return run($("verify-result"), "Checking against the registry…", "Verification", async () => {
      const verdict = await api("/verify", { method: "POST", body, headers });
      let record = null;
      if (verdict.registered_digest) {
        record = await fetchArticle(verdict.registered_digest).catch(() => null);
      }
      return renderVerdict(verdict, record, sourceName);
    });
  }

  function verifyFile(file) {
    if (!file) return;
    replaceContent($("file-name"), `${file.name} (${plural(file.size, "byte")})`);
    const form = new FormData();
    form.append("file", file, file.name);
    verify(form, {}, file.name);
  }

  function setUpVerify() {
    const zone = $("drop-zone");
    const input = $("file-input");
    input.addEventListener("change", () => {
      verifyFile(input.files && input.files[0]);
      // allow choosing the same file again after editing it
      input.value = "";
    });
    for (const type of ["dragenter", "dragover"]) {
      zone.addEventListener(type, (event) => {
        event.preventDefault();
        zone.classList.add("dragging");
      });
    }
    for (const type of ["dragleave", "dragend"]) {
      zone.addEventListener(type, () => zone.classList.remove("dragging"));
    }
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("dragging");
      const files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) verifyFile(files[0]);
    });
    // A file dropped beside the zone must not replace the page.
    window.addEventListener("dragover", (event) => event.preventDefault());
    window.addEventListener("drop", (event) => event.preventDefault());

    $("text-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("text-input").value;
      if (!text.trim()) {
        replaceContent(
          $("verify-result"),
          h(
            "div",
            { class: "notice notice-info", role: "alert" },
            "Paste some text to verify first.",
          ),
        );
        return;
      }
      verify(JSON.stringify({ text }), { "Content-Type": "application/json" }, "pasted text");
    });
    $("text-clear").addEventListener("click", () => {
      $("text-input").value = "";
      $("text-input").focus();
    });
  }

  // ---------------------------------------------------------------- articles

  const listState = { offset: 0, total: 0, filters: {} };

  const dash = () => h("span", { class: "muted" }, "—");

  /** When this registry recorded an article: the UTC day, the full time on hover. */
  function registeredDate(seconds) {
    if (typeof seconds !== "number" || !Number.isFinite(seconds)) return dash();
    const whole = Math.floor(seconds);
    return h(
      "time",
      { datetime: isoUtc(whole), title: readableUtc(whole) },
      isoUtc(whole).slice(0, 10),
    );
  }

  function articleRow(record, hit) {
    const metadata = metadataOf(record);
    const id = record.id;
    return h(
      "tr",
      { "data-article-id": id },
      h(
        "td",
        { class: "col-title" },
        titleNode(record),
        metadata.author
          ? h("span", { class: "byline", lang: metadata.language || null }, metadata.author)
          : null,
        hit ? searchMatch(hit, metadata.language) : null,
      ),
      h(
        "td",
        { "data-label": "Publisher", lang: metadata.publisher ? metadata.language || null : null },
        metadata.publisher || dash(),
      ),
      h(
        "td",
        { "data-label": "Published", class: "nowrap" },
        metadata.published
          ? h("time", { datetime: metadata.published }, metadata.published)
          : dash(),
      ),
      h(
        "td",
        { "data-label": "Language" },
        metadata.language ? h("span", { class: "lang-tag" }, metadata.language) : dash(),
      ),
      h(
        "td",
        { "data-label": "Status" },
        statusBadge(record.status),
        record.state !== "anchored" ? [" ", stateBadge(record.state)] : null,
      ),
      h("td", { "data-label": "Registered", class: "nowrap" }, registeredDate(record.registered_at)),
      h(
        "td",
        { class: "col-action" },
        h(
          "button",
          {
            type: "button",
            class: "button small",
            "aria-haspopup": "dialog",
            onclick: () => openArticle(id),
          },
          "Details",
          h("span", { class: "visually-hidden" }, ` of ${metadata.title || untitledLabel(record)}`),
        ),
      ),
    );
  }

  function loadArticles() {
    const body = $("articles-body");
    const message = $("articles-message");
    const params = new URLSearchParams({
      offset: String(listState.offset),
      limit: String(PAGE_SIZE),
    });
    for (const [name, value] of Object.entries(listState.filters))
      if (value) params.set(name, value);
    return run(message, "Loading articles…", "Loading the articles", async () => {
      let page;
      try {
        page = await api(`/articles?${params}`);
      } catch (error) {
        replaceContent(body);
        throw error;
      }
      return () => {
        listState.total = page.total;
        const hits = page.search ? page.search.hits : [];
        replaceContent(
          body,
          page.items.map((record, index) => articleRow(record, hits[index] || null)),
        );
        for (const record of page.items) articleCache.set(record.id, Promise.resolve(record));
        const first = page.items.length ? page.offset + 1 : 0;
        const last = page.offset + page.items.length;
        replaceContent($("articles-count"), plural(page.total, "article"));
        replaceContent($("page-info"), page.total ? `${first}–${last} of ${page.total}` : "");
        $("page-prev").disabled = page.offset <= 0;
        $("page-next").disabled = last >= page.total;
        const note = searchSummary(page.search);
        if (page.items.length) return note ? [note] : [];
        return [
          h(
            "p",
            { class: "muted" },
            page.total ? "No articles on this page." : "No registered article matches.",
          ),
          note,
        ];
      };
    });
  }

  function setUpArticles() {
    const form = $("filter-form");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      listState.filters = {
        q: String(data.get("q") || "").trim(),
        language: String(data.get("language") || "").trim(),
        publisher: String(data.get("publisher") || "").trim(),
        status: String(data.get("status") || ""),
      };
      listState.offset = 0;
      loadArticles();
    });
    form.addEventListener("reset", () => {
      listState.filters = {};
      listState.offset = 0;
      // the form's fields reset after this event
      setTimeout(loadArticles, 0);
    });
    $("page-prev").addEventListener("click", () => {
      listState.offset = Math.max(0, listState.offset - PAGE_SIZE);
      loadArticles();
    });
    $("page-next").addEventListener("click", () => {
      listState.offset += PAGE_SIZE;
      loadArticles();
    });
    loadArticles();
  }

  // ---------------------------------------------------------------- list search

  const MATCH_LABELS = { title: "title", publisher: "publisher", text: "text" };

  /** Where a search matched an article: the fields, and the text around a match. */
  function searchMatch(hit, language) {
    const fields = (hit.fields || []).map((name) => MATCH_LABELS[name] || name);
    const parts = [h("span", { class: "match-fields" }, `Matched: ${fields.join(", ")}`)];
    if (typeof hit.snippet === "string" && typeof hit.offset === "number") {
      const query = listState.filters.q || "";
      const chars = [...hit.snippet];
      const start = hit.offset;
      const end = Math.min(chars.length, start + [...query].length);
      const paragraph = typeof hit.paragraph === "number" ? hit.paragraph + 1 : null;
      const [before, after] = hit.snippet_cut || [false, false];
      parts.push(
        h(
          "span",
          { class: "match-snippet", lang: language || null },
          paragraph ? `¶${paragraph}: ` : "",
          before ? "…" : "",
          chars.slice(0, start).join(""),
          h("mark", {}, chars.slice(start, end).join("")),
          chars.slice(end).join(""),
          after ? "…" : "",
        ),
      );
    }
    return h("span", { class: "search-match" }, parts);
  }

  /** What a search did not look at, said under the list (or nothing). */
  function searchSummary(search) {
    if (!search) return null;
    if (!search.text_searched) {
      return h(
        "p",
        { class: "muted search-note" },
        "Searched titles and publishers only: text is searched for 3 characters or more.",
      );
    }
    if (search.text_cut_short) {
      return h(
        "p",
        { class: "muted search-note" },
        "The text search stopped at its bound: more articles may hold this text.",
      );
    }
    return null;
  }

  function suggestions(id, values) {
    const list = h(
      "datalist",
      { id },
      [...values].sort().map((value) => h("option", { value })),
    );
    document.body.append(list);
    return id;
  }

  /** The quote form's article choice and the filters' suggestions, from all articles. */
  async function loadArticleChoices() {
    try {
      const page = await api(`/articles?offset=0&limit=${ALL_ARTICLES_LIMIT}`);
      const select = $("quote-article");
      const languages = new Set();
      const publishers = new Set();
      for (const record of page.items) {
        const metadata = metadataOf(record);
        const label = metadata.title || untitledLabel(record);
        select.append(h("option", { value: record.id, lang: metadata.language || null }, label));
        if (metadata.language) languages.add(metadata.language);
        if (metadata.publisher) publishers.add(metadata.publisher);
        if (!articleCache.has(record.id)) articleCache.set(record.id, Promise.resolve(record));
      }
      $("filter-language").setAttribute("list", suggestions("language-options", languages));
      $("filter-publisher").setAttribute("list", suggestions("publisher-options", publishers));
      select.dataset.loaded = "true";
    } catch {
      // the list section reports the failure; the quote check still works without a choice
    }
  }

  // ---------------------------------------------------------------- article dialog

  // An article's page URL: /articles/{id} (the server serves this page for it).
  const ARTICLE_PATH = /^\/articles\/([0-9a-fA-F]{8,64})\/?$/;
  const articlePath = (id) => `/articles/${encodeURIComponent(id)}`;

  function articleFromLocation() {
    const match = ARTICLE_PATH.exec(window.location.pathname);
    return match ? match[1].toLowerCase() : null;
  }

  /**
   * Open an article's view. "push" (a reader's click) adds its URL to the history, so
   * back returns to where they were; "none" (a page load, back or forward) only shows it.
   */
  function openArticle(id, history = "push") {
    const dialog = $("article-dialog");
    if (history === "push" && articleFromLocation() !== id) {
      // depth: how many article views back to the page the reader started from
      const depth = ((window.history.state && window.history.state.depth) || 0) + 1;
      window.history.pushState({ article: id, depth }, "", articlePath(id));
    }
    replaceContent($("dialog-title"), "Article");
    if (!dialog.open) dialog.showModal();
    return run($("dialog-body"), "Loading the article…", "Loading the article", async () => {
      // fetched afresh: its status may have changed since the list was loaded
      const record = await api(`/articles/${encodeURIComponent(id)}`);
      articleCache.set(record.id, Promise.resolve(record));
      return () => articleView(record);
    });
  }

  /** The dialog's content for an article (its title goes to the dialog's heading). */
  function articleView(record) {
    const metadata = metadataOf(record);
    const id = record.id;
    replaceContent($("dialog-title"), titleNode(record));
    const metadataLabels = [
      ["author", "Author"],
      ["publisher", "Publisher"],
      ["published", "Published"],
      ["language", "Language"],
      ["policy", "Policy"],
      ["translation_of", "Translation of"],
      ["source_url", "Source"],
      ["notes", "Notes"],
    ];
    const metadataRows = metadataLabels
      .filter(([key]) => metadata[key])
      .map(([key, label]) => {
        let value = metadata[key];
        if (key === "source_url" && /^https?:\/\//i.test(value)) {
          value = h(
            "a",
            { href: value, rel: "noopener noreferrer nofollow", target: "_blank" },
            value,
          );
        } else if (key !== "language" && key !== "published") {
          value = h("span", { lang: metadata.language || null }, value);
        }
        return [label, value];
      });
    const recordRows = [
      ["Status", statusValue(record.status, record.revocation_reason, record.superseded_by)],
      record.supersedes ? ["Supersedes", articleButton(record.supersedes)] : ["", null],
      ["Anchoring", stateBadge(record.state)],
      ...anchorRows(record.anchor),
      ["Batch root", record.batch_root ? mono(record.batch_root, "hash") : null],
      ["Leaf index", record.leaf_index === null ? null : String(record.leaf_index)],
      ["Content SHA-256", mono(record.content_digest, "hash")],
      ["Paragraph root", mono(record.paragraph_root, "hash")],
      ["Metadata digest", mono(record.metadata_digest, "hash")],
      ["Size", plural(record.size, "byte")],
      ["File name", record.file_name ? h("span", { class: "file-name-value" }, record.file_name) : null],
      ["Media type", record.media_type],
      ...textRenditionRows(record),
      ["Paragraphs", String(record.paragraph_count)],
      ["Recorded by this registry", timeBlock(Math.floor(record.registered_at))],
    ];
    const checkResult = h("div", { class: "result check-result", "aria-live": "polite" });
    const encoded = encodeURIComponent(id);
    const actions = h(
      "div",
      { class: "dialog-actions" },
      // A receipt proves an anchor: there is none before (the API answers 409 until then).
      record.state === "anchored"
        ? h(
            "a",
            {
              class: "button primary",
              href: `${API}/articles/${encoded}/receipt`,
              download: `receipt-${id.slice(0, 16)}.json`,
            },
            "Download receipt",
          )
        : null,
      h(
        "a",
        { class: "button", href: `${API}/articles/${encoded}/content`, download: "" },
        "Download stored copy",
      ),
      h(
        "button",
        { type: "button", class: "button", onclick: () => checkStoredCopy(id, checkResult) },
        "Check stored copy",
      ),
      // The check above is this server's answer; check.js checks in the reader's browser.
      record.state === "anchored"
        ? h(
            "button",
            {
              type: "button",
              class: "button",
              onclick: () => {
                $("article-dialog").close();
                const title = metadata.title || id;
                const detail = { id, title };
                document.dispatchEvent(new CustomEvent("registry:check-article", { detail }));
              },
            },
            "Check it yourself",
          )
        : null,
    );
    const preview = h("div", { class: "preview", lang: metadata.language || null });
    loadPreview(record, preview);
    return [
      actions,
      checkResult,
      shareLink(id),
      h("h3", {}, "Text preview"),
      preview,
      h("h3", {}, "Metadata"),
      metadataRows.length
        ? definitionList(metadataRows)
        : h("p", { class: "muted" }, "No metadata."),
      metadataHistory(record),
      h("h3", {}, "Registration and anchor"),
      definitionList(recordRows),
    ];
  }

  // ---------------------------------------------------------------- metadata history

  const FIELD_LABELS = {
    title: "Title",
    publisher: "Publisher",
    author: "Author",
    published: "Published",
    language: "Language",
    policy: "Policy",
    translation_of: "Translation of",
    source_url: "Source",
    notes: "Notes",
  };

  /**
   * Every version of an article's metadata, when it was corrected: what changed, why, when
   * each was anchored, and each anchored version's receipt (each version is a leaf of its
   * own, so each stays provable). Nothing for an article never corrected.
   */
  function metadataHistory(record) {
    const versions = record.metadata_versions || [];
    if (versions.length < 2) return null;
    const encoded = encodeURIComponent(record.id);
    const items = versions.map((version, index) => {
      const before = index ? versions[index - 1].metadata || {} : {};
      const after = version.metadata || {};
      const current = version.version === record.metadata_version;
      const anchor = version.anchor;
      const changes = (version.changed || []).map((name) =>
        h(
          "li",
          { class: "metadata-change" },
          `${FIELD_LABELS[name] || name}: `,
          before[name] ? h("del", {}, before[name]) : h("span", { class: "muted" }, "(none)"),
          " → ",
          after[name] ? h("ins", {}, after[name]) : h("span", { class: "muted" }, "(removed)"),
        ),
      );
      return h(
        "li",
        { class: "metadata-version", "data-version": String(version.version) },
        h(
          "p",
          {},
          h("strong", {}, `Version ${version.version}`),
          index ? "" : " (as registered)",
          current ? [" ", h("span", { class: "badge state-anchored" }, "Current")] : null,
          " ",
          anchor ? null : stateBadge(version.state),
        ),
        changes.length ? h("ul", { class: "metadata-changes" }, changes) : null,
        version.reason ? h("p", { class: "status-reason" }, `Reason: ${version.reason}`) : null,
        h(
          "p",
          { class: "muted" },
          "Accepted ",
          registeredDate(version.accepted_at),
          anchor
            ? [
                "; anchored in block ",
                String(anchor.block_number),
                " at ",
                timeBlock(anchor.block_timestamp),
              ]
            : "; not anchored yet, so not yet provable",
        ),
        anchor
          ? h(
              "a",
              {
                class: "button small",
                href: `${API}/articles/${encoded}/receipt?version=${version.version}`,
                download: `receipt-${record.id.slice(0, 16)}-v${version.version}.json`,
              },
              `Receipt of version ${version.version}`,
            )
          : null,
      );
    });
    const pending = record.metadata_pending
      ? h(
          "p",
          { class: "muted" },
          "A correction waits for its anchor: the metadata above is the latest anchored version.",
        )
      : null;
    return [
      h("h3", {}, "Metadata history"),
      pending,
      h("ol", { class: "metadata-history", reversed: true }, items.reverse()),
    ];
  }

  /** The article's page URL, to copy and share: it opens this view. */
  function shareLink(id) {
    const url = new URL(articlePath(id), window.location.origin).href;
    const note = h("span", { class: "muted copy-note", "aria-live": "polite" });
    const input = h("input", {
      id: "share-link",
      class: "share-input mono",
      type: "text",
      readonly: true,
      value: url,
      "aria-label": "Link to this article",
      onfocus: (event) => event.target.select(),
    });
    const copy = async () => {
      try {
        await navigator.clipboard.writeText(url);
        replaceContent(note, "Link copied.");
      } catch {
        // no clipboard access (permission, insecure origin): the link is selected to copy by hand
        input.focus();
        input.select();
        replaceContent(note, "Press Ctrl+C (⌘C) to copy the selected link.");
      }
    };
    return h(
      "p",
      { class: "share" },
      input,
      " ",
      h("button", { type: "button", class: "button small", onclick: copy }, "Copy link"),
      " ",
      note,
    );
  }

  // The text preview reads at most this many bytes of the stored copy and shows at most
  // this many paragraphs of at most this many characters each.
  const PREVIEW_BYTES = 64 * 1024;
  const PREVIEW_PARAGRAPHS = 5;
  const PREVIEW_PARAGRAPH_CHARS = 600;

  /** The first bytes of a response's body, at most `limit` (the rest is never read). */
  async function readPrefix(response, limit) {
    const reader = response.body.getReader();
    const chunks = [];
    let size = 0;
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
    reader.cancel().catch(() => {});
    const bytes = new Uint8Array(Math.min(size, limit));
    let at = 0;
    for (const chunk of chunks) {
      const part = chunk.subarray(0, bytes.length - at);
      bytes.set(part, at);
      at += part.length;
    }
    return { bytes, truncated: size >= limit };
  }

  /** A text decoder for the article's recorded encoding, or UTF-8. */
  function decoderFor(record) {
    const label = record.encoding || "utf-8";
    try {
      return new TextDecoder(label);
    } catch {
      return new TextDecoder("utf-8");
    }
  }

  /**
   * The first paragraphs of a text document, from its stored copy: bounded, and shown as
   * text (text nodes), never as markup. Other formats are not previewed.
   */
  async function loadPreview(record, container) {
    const mediaType = String(record.media_type || "").split(";")[0].trim().toLowerCase();
    const extracted = Boolean(record.extractor);
    if (!extracted && !mediaType.startsWith("text/plain") && mediaType !== "text/markdown") {
      replaceContent(
        container,
        h("p", { class: "muted" }, `No text preview for this format (${mediaType || "unknown"}).`),
      );
      return;
    }
    replaceContent(container, h("p", { class: "muted" }, "Loading the preview…"));
    try {
      // an HTML page's or a PDF's text is the registry's extraction, served as UTF-8
      const path = extracted ? "text" : "content";
      const response = await fetch(`${API}/articles/${encodeURIComponent(record.id)}/${path}`);
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      const { bytes, truncated } = await readPrefix(response, PREVIEW_BYTES);
      // The registry's paragraphs: the non-blank lines (any line break), in NFC.
      const decoder = extracted ? new TextDecoder("utf-8") : decoderFor(record);
      const text = decoder.decode(bytes).normalize("NFC");
      const all = text
        .split(/\r\n|\r|\n/)
        .map((line) => line.trimEnd())
        .filter(Boolean);
      // the last line read may be cut short (and end inside a character)
      if (truncated && all.length > 1) all.pop();
      const shown = all.slice(0, PREVIEW_PARAGRAPHS).map((paragraph) => {
        const chars = [...paragraph];
        return chars.length > PREVIEW_PARAGRAPH_CHARS
          ? chars.slice(0, PREVIEW_PARAGRAPH_CHARS).join("") + "…"
          : paragraph;
      });
      if (!shown.length) {
        replaceContent(container, h("p", { class: "muted" }, "The document holds no text."));
        return;
      }
      const rest = truncated || all.length > shown.length || shown.some((p) => p.endsWith("…"));
      replaceContent(
        container,
        shown.map((paragraph) => h("p", { class: "preview-paragraph" }, paragraph)),
        rest
          ? h(
              "p",
              { class: "muted preview-more" },
              `The first ${plural(shown.length, "paragraph")} of ${record.paragraph_count}; download the stored copy for the rest.`,
            )
          : null,
      );
    } catch {
      replaceContent(container, h("p", { class: "muted" }, "The preview could not be loaded."));
    }
  }

  function checkStoredCopy(id, container) {
    const busy = "Re-checking the stored copy against the chain…";
    return run(container, busy, "The check", async () => {
      const check = await api(`/articles/${encodeURIComponent(id)}/verify`);
      if (check.ok) {
        return h(
          "div",
          { class: "notice notice-ok", "data-ok": "true" },
          h("strong", {}, "Stored copy checks out. "),
          check.state === "anchored"
            ? "Its bytes give the registered digests, which prove into a batch anchored on chain."
            : "Its bytes give the registered digests; the batch is not anchored yet.",
        );
      }
      return h(
        "div",
        { class: "notice notice-error", "data-ok": "false" },
        h("strong", {}, "Stored copy does not check out."),
        h(
          "ul",
          { class: "problems" },
          (check.problems || []).map((problem) => h("li", {}, problem)),
        ),
      );
    });
  }

  function setUpDialog() {
    const dialog = $("article-dialog");
    $("dialog-close").addEventListener("click", () => dialog.close());
    // Closing an article's view leaves its URL: back past the views the reader opened,
    // or (the page was loaded at an article's URL) to the page's own URL.
    dialog.addEventListener("close", () => {
      if (articleFromLocation() === null) return;
      const depth = (window.history.state && window.history.state.depth) || 0;
      if (depth > 0) window.history.go(-depth);
      else window.history.replaceState(null, "", "/");
    });
    // The views are modal and share one document: moving between them must not scroll it.
    window.history.scrollRestoration = "manual";
    window.addEventListener("popstate", () => {
      const id = articleFromLocation();
      if (id) openArticle(id, "none");
      else if (dialog.open) dialog.close();
    });
    // a click on the backdrop (the dialog element itself, outside its content) closes it
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) dialog.close();
    });
  }

  // ---------------------------------------------------------------- quotes

  function spanText(location) {
    const first = location.start + 1;
    const last = first + location.count - 1;
    return first === last ? `paragraph ${first}` : `paragraphs ${first}–${last}`;
  }

  /** Where a hit lies: its paragraphs, and for part of a paragraph the character it starts at. */
  function hitPlace(location) {
    const where = spanText(location);
    if (location.kind === "whole") return `${where}, whole`;
    return `${where}, from character ${(location.offset || 0) + 1}`;
  }

  // the object URLs of the quote proofs offered for download (revoked when replaced)
  let proofUrls = [];

  function proofLink(hit) {
    const url = URL.createObjectURL(
      new Blob([JSON.stringify(hit.proof, null, 2)], { type: "application/json" }),
    );
    proofUrls.push(url);
    const id = hit.article_id;
    const name = `quote-proof-${id.slice(0, 12)}-p${hit.location.start + 1}.json`;
    return h("a", { class: "button small", href: url, download: name }, "Download the quote proof");
  }

  /** An article named by a quote answer: its title (or id), a button opening its view. */
  function quotedArticle(id, title) {
    const label = title ? h("cite", { class: "article-title" }, title) : mono(shortHex(id));
    return h(
      "button",
      { type: "button", class: "link-button", onclick: () => openArticle(id) },
      label,
    );
  }

  function renderHit(hit) {
    const kind = hit.whole_paragraphs ? "whole" : "partial";
    const item = h(
      "li",
      { class: "quote-hit", "data-kind": kind, "data-article-id": hit.article_id },
      h(
        "p",
        { class: "hit-head" },
        quotedArticle(hit.article_id, hit.title),
        " ",
        h("span", { class: "hit-place" }, hitPlace(hit.location)),
        " ",
        hit.status ? statusBadge(hit.status) : null,
        " ",
        hit.state ? stateBadge(hit.state) : null,
      ),
    );
    if (hit.anchor) item.append(definitionList(anchorRows(hit.anchor), "evidence compact"));
    item.append(
      h(
        "p",
        { class: "proof-download" },
        hit.proof
          ? [
              proofLink(hit),
              h(
                "span",
                { class: "muted" },
                " — the passage, its paragraphs and their Merkle proofs, checkable without the whole article.",
              ),
            ]
          : h("span", { class: "muted" }, "No quote proof yet: the article's batch is not built."),
      ),
    );
    return item;
  }

  /** The near miss's diff: the quote's own words struck out, the registered ones highlighted. */
  function nearMissDiff(segments) {
    const nodes = [];
    for (const segment of segments) {
      if (segment.op === "equal") nodes.push(segment.registered);
      if (segment.op === "replace" || segment.op === "delete") {
        nodes.push(h("del", { class: "diff-del" }, segment.quoted));
      }
      if (segment.op === "replace" || segment.op === "insert") {
        nodes.push(h("ins", { class: "diff-ins" }, segment.registered));
      }
    }
    return nodes;
  }

  function quoteHeadline(check, single) {
    const hits = check.hits || [];
    const near = check.near_miss;
    if (hits.length) {
      const first = hits[0];
      const article = quotedArticle(first.article_id, first.title);
      const whole = first.whole_paragraphs;
      if (hits.length === 1 && !check.more_hits) {
        return {
          tone: "good",
          kind: whole ? "whole" : "partial",
          headline: "Found",
          sentence: whole
            ? [`the passage is ${spanText(first.location)} of `, article, ", word for word."]
            : [
                `the passage is in ${spanText(first.location)} of `,
                article,
                `, word for word, from character ${(first.location.offset || 0) + 1}.`,
              ],
        };
      }
      const count = check.more_hits
        ? `at least ${check.total_hits} places (the search stopped there; the first ${hits.length} are listed)`
        : `${check.total_hits} places`;
      return {
        tone: "good",
        kind: "several",
        headline: "Found",
        sentence: [`the passage is in ${count}, word for word.`],
      };
    }
    if (near) {
      const percent = Math.round(near.similarity * 100);
      return {
        tone: "warn",
        kind: "near-miss",
        headline: "Not found word for word",
        sentence: [
          `closest registered passage: paragraph ${near.paragraph + 1} of `,
          quotedArticle(near.article_id, near.title),
          `, ${percent}% alike.`,
        ],
      };
    }
    return {
      tone: "neutral",
      kind: "not-found",
      headline: "Not found",
      sentence: [
        single
          ? "this article does not hold this passage, nor anything close to it."
          : "No registered article holds this passage, nor anything close to it.",
      ],
    };
  }

  function renderQuote(check, single) {
    for (const url of proofUrls) URL.revokeObjectURL(url);
    proofUrls = [];
    const { tone, kind, headline, sentence } = quoteHeadline(check, single);
    const hits = check.hits || [];
    const container = h(
      "article",
      { class: `verdict quote-verdict tone-${tone}`, "data-kind": kind },
      h(
        "header",
        { class: "verdict-head" },
        h("span", { class: "verdict-icon", "aria-hidden": "true" }),
        h(
          "h2",
          { class: "verdict-headline" },
          h("span", { class: "verdict-kind" }, `${headline}:`),
          " ",
          h("span", { class: "verdict-summary" }, sentence),
        ),
      ),
    );
    if (hits.length) {
      const first = hits[0];
      if (first.status === "revoked" || first.status === "superseded") {
        container.append(
          h(
            "div",
            { class: `notice ${first.status === "revoked" ? "notice-error" : "notice-warning"}` },
            h("strong", {}, first.status === "revoked" ? "Revoked. " : "Superseded. "),
            "The article quoted has been ",
            first.status,
            " on chain.",
          ),
        );
      }
      const total = check.more_hits
        ? `${hits.length} of at least ${check.total_hits} places, more not listed`
        : plural(check.total_hits || hits.length, "place");
      container.append(
        h("h3", { class: "hits-title" }, `Where it is (${total})`),
        h(
          "ol",
          { class: "quote-hits", "aria-label": "Places found" },
          hits.map(renderHit),
        ),
      );
      if (check.more_hits) {
        container.append(
          h(
            "p",
            { class: "muted more-hits" },
            "There are more places than listed: choose an article to look in it alone.",
          ),
        );
      }
    } else if (check.near_miss) {
      const near = check.near_miss;
      container.append(
        h(
          "div",
          { class: "near-miss" },
          h(
            "p",
            { class: "near-miss-where" },
            `Paragraph ${near.paragraph + 1}, from character ${near.offset + 1}: `,
            near.status ? statusBadge(near.status) : null,
            " ",
            near.state ? stateBadge(near.state) : null,
          ),
          h(
            "p",
            { class: "near-miss-diff" },
            h("span", { class: "visually-hidden" }, "Your quote's words struck out, the registered words highlighted: "),
            nearMissDiff(near.diff || []),
          ),
        ),
      );
    }
    return container;
  }

  function setUpQuote() {
    $("quote-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const container = $("quote-result");
      const text = $("quote-text").value;
      if (!text.trim()) {
        replaceContent(
          container,
          h(
            "div",
            { class: "notice notice-info", role: "alert" },
            "Paste a passage to check first.",
          ),
        );
        return;
      }
      const chosen = $("quote-article").value;
      const payload = chosen ? { text, article_id: chosen } : { text };
      run(container, "Looking for the passage…", "The quote check", async () => {
        let check;
        try {
          check = await api("/quotes/verify", {
            method: "POST",
            body: JSON.stringify(payload),
            headers: { "Content-Type": "application/json" },
          });
        } catch (error) {
          // 422: the passage cannot be searched (too short, too long): said inline, not as a failure
          if (error instanceof ApiError && error.status === 422) {
            return h(
              "div",
              { class: "notice notice-info", role: "alert", "data-kind": "refused" },
              h("strong", {}, "Cannot check this passage: "),
              error.message,
            );
          }
          throw error;
        }
        return () => renderQuote(check, Boolean(chosen));
      });
    });
  }

  // ---------------------------------------------------------------- start

  function start() {
    setUpVerify();
    setUpArticles();
    setUpDialog();
    setUpQuote();
    loadArticleChoices();
    const shared = articleFromLocation();
    if (shared) openArticle(shared, "none");
    document.documentElement.dataset.ready = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
