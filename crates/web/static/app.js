// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var toggle = document.querySelector(".menu-toggle");
  var nav = document.getElementById("site-nav");
  if (toggle && nav) {
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", String(!open));
      nav.classList.toggle("open", !open);
    });
  }
})();

// Destructive actions ask first: the form's question in the browser's dialog, then the post
// carries confirmed=yes. Without scripts the server asks on a page of its own.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    if (!form.querySelector("input[name=confirmed]")) {
      var yes = document.createElement("input");
      yes.type = "hidden";
      yes.name = "confirmed";
      yes.value = "yes";
      form.appendChild(yes);
    }
  });
})();

// Producer forms: choosing a province reloads the commune and old-district choices.
(function () {
  "use strict";
  var form = document.querySelector("form[data-units-form]");
  if (!form || !window.fetch) return;
  var province = form.querySelector("select[name=province]");
  function fill(select, items, label) {
    if (!select) return;
    var first = select.options.length && select.options[0].value === "" ? select.options[0].cloneNode(true) : null;
    select.innerHTML = "";
    if (first) select.appendChild(first);
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.code;
      option.textContent = label(item);
      select.appendChild(option);
    });
  }
  province.addEventListener("change", function () {
    var code = encodeURIComponent(province.value);
    fetch("/api/v1/provinces/" + code + "/units").then(function (r) { return r.ok ? r.json() : []; }).then(function (units) {
      fill(form.querySelector("select[name=commune]"), units, function (u) { return u.name; });
    });
    fetch("/api/v1/provinces/" + code + "/old-districts").then(function (r) { return r.ok ? r.json() : []; }).then(function (districts) {
      fill(form.querySelector("select[name=old_district]"), districts, function (d) { return d.name; });
    });
  });
})();

// Autosave for forms filled where the connection may drop (a scorecard, an inspection record):
// every change is kept in this device's storage with a revision until the server confirms it,
// sent at once and retried with backoff until it is; a copy newer than the server's is restored
// on opening. Links and forms marked data-flush / data-flush-form wait for the last change.
window.ocopAutosave = function (o) {
  "use strict";
  var labels = document.documentElement.lang === "en"
    ? { pending: "Saving…", saved: "Saved", failed: "Not saved yet — retrying", refused: "Not saved: " }
    : { pending: "Đang lưu…", saved: "Đã lưu", failed: "Chưa lưu được — đang thử lại", refused: "Không lưu được: " };
  var revision = o.revision;
  var sent = o.revision;
  var inflight = null;
  var retry = null;
  var delay = 2000;
  try {
    var local = JSON.parse(window.localStorage.getItem(o.key) || "null");
    if (local && local.revision > o.revision && o.editable) {
      o.restore(local.data);
      revision = local.revision;
      sent = -1;
    }
  } catch (e) { /* storage unavailable: the server copy stands */ }
  function show(kind, detail) {
    if (!o.status) return;
    o.status.className = "save-state " + (kind === "saved" ? "" : kind);
    o.status.textContent = labels[kind] + (kind === "saved" ? " " + new Date().toLocaleTimeString(document.documentElement.lang) : (detail || ""));
  }
  function remember() {
    try {
      window.localStorage.setItem(o.key, JSON.stringify({ revision: revision, data: o.snapshot() }));
    } catch (e) { /* full or disabled storage: saving to the server still works */ }
  }
  function save() {
    if (!o.editable || sent >= revision) return Promise.resolve();
    if (inflight) return inflight.then(save);
    var body = o.snapshot();
    body.revision = revision;
    var mine = revision;
    show("pending");
    inflight = fetch(o.url, {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json", "Accept": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      if (r.status === 422) {
        // Refused as it stands: retrying the same copy cannot help; say why and keep it here.
        return r.json().catch(function () { return {}; }).then(function (j) {
          var e = new Error("refused"); e.refused = (j && (j.error || j.message)) || String(r.status); throw e;
        });
      }
      if (!r.ok) throw new Error(String(r.status));
      return r.json();
    }).then(function () {
      sent = Math.max(sent, mine);
      delay = 2000;
      if (sent >= revision) { try { window.localStorage.removeItem(o.key); } catch (e) {} }
      show("saved");
    }).catch(function (e) {
      if (e && e.refused) { show("refused", e.refused); return; }
      show("failed");
      clearTimeout(retry);
      retry = setTimeout(function () { save(); }, delay);
      delay = Math.min(delay * 2, 30000);
    }).then(function () { inflight = null; });
    return inflight;
  }
  if (o.editable) {
    window.addEventListener("online", save);
    if (sent < revision) save();
    document.querySelectorAll("a[data-flush], form[data-flush-form]").forEach(function (el) {
      el.addEventListener(el.tagName === "FORM" ? "submit" : "click", function (ev) {
        if (sent >= revision) return;
        ev.preventDefault();
        save().then(function () {
          if (sent < revision) return;
          if (el.tagName === "FORM") el.submit(); else window.location.href = el.href;
        });
      });
    });
  }
  return {
    changed: function () { revision = Math.max(revision + 1, Date.now()); remember(); return save(); },
    flush: save,
    pending: function () { return sent < revision; }
  };
};

// Criteria sheets: the total (and per part) follows each click; for a council scorecard every
// change is saved at once, kept in this device's storage until the server confirms it, and
// retried until it does, so a flaky connection loses no answer.
(function () {
  "use strict";
  var form = document.querySelector("form[data-live-score]");
  if (!form) return;
  var stateTag = document.getElementById("card-state");
  var card = stateTag ? JSON.parse(stateTag.textContent) : null;
  var totalOut = form.querySelector("[data-total]");
  var bandOut = form.querySelector("[data-band]");
  var unansweredOut = form.querySelector("[data-unanswered]");

  function pointsOf(code) {
    // Answers on this screen, else (scorecards) those stored for other parts.
    var checked = form.querySelector('input[type=radio][name="a_' + CSS.escape(code) + '"]:checked');
    if (checked) return Number(checked.getAttribute("data-points")) || 0;
    return null;
  }
  function recount() {
    var parts = {};
    var total = 0;
    var unanswered = 0;
    form.querySelectorAll("fieldset[data-criterion]").forEach(function (fs) {
      var code = fs.getAttribute("data-criterion");
      var p = pointsOf(code);
      fs.classList.toggle("unanswered", p === null);
      if (p === null) { unanswered += 1; p = 0; }
      var part = fs.getAttribute("data-part");
      parts[part] = (parts[part] || 0) + p;
    });
    Object.keys(parts).forEach(function (k) {
      total += parts[k];
      var out = form.querySelector('[data-part-total="' + k + '"]');
      if (out) out.textContent = "· " + parts[k];
    });
    if (card && card.total_elsewhere !== undefined) total += card.total_elsewhere;
    if (totalOut) totalOut.textContent = String(total);
    if (bandOut) {
      // The band by the total alone, in words, once every criterion is answered (the council's
      // result also applies each criterion's minimum requirements).
      var bands = (bandOut.getAttribute("data-bands") || "").split(",").map(function (b) {
        var kv = b.split(":");
        return { stars: Number(kv[0]), from: Number(kv[1]) };
      });
      var band = bands.filter(function (b) { return total >= b.from; })[0];
      var template = bandOut.getAttribute("data-template");
      bandOut.textContent = !unanswered && band && template ? template.replace("%n", band.stars) : "";
    }
    if (unansweredOut) {
      var words = unansweredOut.getAttribute("data-template") || "%n";
      unansweredOut.textContent = unanswered ? words.replace("%n", unanswered) : "";
    }
  }

  if (!card) {
    form.addEventListener("change", recount);
    recount();
    return;
  }

  // Scorecards: the points of the other parts come from the stored card.
  var onScreen = {};
  form.querySelectorAll("fieldset[data-criterion]").forEach(function (fs) { onScreen[fs.getAttribute("data-criterion")] = true; });

  function applyToInputs() {
    Object.keys(card.answers).forEach(function (code) {
      var v = card.answers[code];
      var input = form.querySelector('input[type=radio][name="a_' + CSS.escape(code) + '"][value="' + String(v) + '"]');
      if (input) input.checked = true;
    });
    form.querySelectorAll("input[type=checkbox][name^=ko_]").forEach(function (box) {
      box.checked = card.knock_outs.indexOf(box.name.slice(3)) >= 0;
    });
    var dq = form.querySelector("input[name=disqualified]");
    if (dq) dq.checked = !!card.disqualified;
  }
  function elsewhere() {
    var sum = 0;
    var data = card.points || {};
    Object.keys(card.answers).forEach(function (code) {
      if (!onScreen[code] && data[code] !== undefined) sum += data[code][String(card.answers[code])] || 0;
    });
    return sum;
  }
  function readInputs() {
    form.querySelectorAll("input[type=radio][name^=a_]:checked").forEach(function (input) {
      var v = input.value;
      card.answers[input.name.slice(2)] = v === "true" ? true : v === "false" ? false : Number(v);
    });
    var kos = card.knock_outs.filter(function (code) { return !form.querySelector('input[name="ko_' + CSS.escape(code) + '"]'); });
    form.querySelectorAll("input[type=checkbox][name^=ko_]:checked").forEach(function (box) { kos.push(box.name.slice(3)); });
    card.knock_outs = kos;
    var dq = form.querySelector("input[name=disqualified]");
    if (dq) card.disqualified = dq.checked;
  }
  function counts() {
    var per = {};
    Object.keys(card.parts || {}).forEach(function (code) {
      var p = card.parts[code];
      per[p] = per[p] || [0, 0];
      per[p][1] += 1;
      if (card.answers[code] !== undefined) per[p][0] += 1;
    });
    Object.keys(per).forEach(function (p) {
      var el = document.querySelector('[data-tab-count="' + p + '"]');
      if (el) el.textContent = per[p][0] + "/" + per[p][1];
    });
  }
  var saver = window.ocopAutosave({
    key: "ocop-card-" + card.evaluation + "-" + card.user,
    url: "/evaluation/scorecards/" + card.evaluation + "/save",
    revision: card.revision,
    editable: card.editable,
    status: form.querySelector("[data-save-state]"),
    snapshot: function () { return { answers: card.answers, knock_outs: card.knock_outs, disqualified: card.disqualified }; },
    restore: function (d) { card.answers = d.answers; card.knock_outs = d.knock_outs; card.disqualified = d.disqualified; }
  });
  applyToInputs();
  counts();
  card.total_elsewhere = elsewhere();
  recount();
  if (card.editable) {
    form.addEventListener("change", function () {
      readInputs();
      counts();
      card.total_elsewhere = elsewhere();
      recount();
      saver.changed();
    });
    form.addEventListener("submit", function (ev) {
      if (!saver.pending()) return;
      ev.preventDefault();
      saver.flush().then(function () { if (!saver.pending()) window.location.href = form.querySelector("input[name=next]") ? "?part=" + form.querySelector("input[name=next]").value : window.location.href; });
    });
  }
})();

// Inspection records: the checklist as the inspector answers it on a tablet, saved at every
// change through the same autosave as a scorecard, so a lost connection loses no answer.
(function () {
  "use strict";
  var form = document.querySelector("form[data-record]");
  var tag = document.getElementById("record-state");
  if (!form || !tag || !window.fetch) return;
  var rec = JSON.parse(tag.textContent);
  var items = form.querySelectorAll("fieldset[data-item]");
  function field(name) { return form.querySelector("[name=" + name + "]"); }
  function snapshot() {
    var answers = {};
    items.forEach(function (fs) {
      var checked = fs.querySelector("input[type=radio]:checked");
      var note = fs.querySelector("textarea");
      var a = { answer: checked ? checked.value : "", note: note ? note.value : "" };
      if (a.answer || a.note) answers[fs.getAttribute("data-item")] = a;
      fs.classList.toggle("unanswered", !checked);
    });
    return { visited_on: field("visited_on").value, present: field("present").value, answers: answers };
  }
  function restore(d) {
    field("visited_on").value = d.visited_on || "";
    field("present").value = d.present || "";
    items.forEach(function (fs) {
      var a = (d.answers || {})[fs.getAttribute("data-item")] || { answer: "", note: "" };
      fs.querySelectorAll("input[type=radio]").forEach(function (r) { r.checked = r.value === a.answer; });
      var note = fs.querySelector("textarea");
      if (note) note.value = a.note || "";
      fs.classList.toggle("unanswered", !a.answer);
    });
  }
  var saver = window.ocopAutosave({
    key: "ocop-record-" + rec.inspection + "-" + rec.user,
    url: "/inspections/" + rec.inspection + "/save",
    revision: rec.revision,
    editable: rec.editable,
    status: form.querySelector("[data-save-state]"),
    snapshot: snapshot,
    restore: restore
  });
  if (!rec.editable) return;
  var typing = null;
  form.addEventListener("change", function () { clearTimeout(typing); saver.changed(); });
  form.addEventListener("input", function (ev) {
    if (ev.target.tagName !== "TEXTAREA") return;
    clearTimeout(typing);
    typing = setTimeout(function () { saver.changed(); }, 800);
  });
  form.addEventListener("submit", function (ev) {
    if (!saver.pending()) return;
    ev.preventDefault();
    saver.flush().then(function () { if (!saver.pending()) window.location.reload(); });
  });
})();
