/* The live dashboard's glue around htmx's ws extension: gap checks, resync, freeze, indicator.

   htmx does the swapping. This file only decides whether a websocket message may be swapped:
   each message starts with <!--tick from=A seq=B--> (or <!--hello seq=B--> on connect), and the
   page's current number is #totals[data-seq], which every tick and snapshot replaces. A message
   that does not follow on from it is dropped and a fresh snapshot fetched instead. */
(function () {
  "use strict";
  var HEADER = /^<!--(?:tick from=(\d+)|hello) seq=(\d+)-->/;
  var TIMELINE_MAX = 50;
  var state = { frozen: false, behind: 0, resyncing: false, opened: false, resyncs: 0 };
  window.ecsvizLive = state;

  function $(id) { return document.getElementById(id); }
  function pageSeq() { var t = $("totals"); return t ? Number(t.dataset.seq) : 0; }

  function show(kind, text) {
    var el = $("conn");
    if (!el) return;
    el.dataset.state = kind;
    el.textContent = text;
  }

  function showLive() {
    if (state.frozen) show("frozen", "frozen" + (state.behind ? " · " + state.behind + " waiting" : ""));
    else show("live", "live · #" + pageSeq());
  }

  function resync() {
    var feed = $("feed");
    if (!feed || state.resyncing) return;
    state.resyncing = true;
    state.resyncs += 1;
    show("resync", "catching up…");
    var list = $("timeline-list");
    var url = feed.dataset.snapshot + (list && list.dataset.kind ? "&kind=" + encodeURIComponent(list.dataset.kind) : "");
    // swap "none": the snapshot is all out-of-band swaps, the same regions a tick replaces.
    htmx.ajax("GET", url, { source: feed, target: "#totals", swap: "none" }).then(function () {
      state.resyncing = false;
      state.behind = 0;
      showLive();
    }, function () { state.resyncing = false; show("offline", "offline"); });
  }

  function trimTimeline() {
    // Entries a tick repeats (it may overlap a snapshot) or that the filter hides go; so do old ones.
    var list = $("timeline-list");
    if (!list) return;
    var kind = list.dataset.kind, seen = {};
    Array.prototype.slice.call(list.children).forEach(function (item) {
      if (seen[item.id] || (kind && item.dataset.kind.indexOf(kind) !== 0)) item.remove();
      else seen[item.id] = true;
    });
    while (list.children.length > TIMELINE_MAX) list.lastElementChild.remove();
  }

  // A custom delay: a restarted server should not get every classroom browser at the same instant.
  htmx.config.wsReconnectDelay = function (retry) {
    return Math.random() * Math.min(5000, 300 * Math.pow(2, retry));
  };
  var createWebSocket = htmx.createWebSocket || function (url) { return new WebSocket(url); };
  htmx.createWebSocket = function (url) {
    var socket = createWebSocket(url);
    window.ecsvizSocket = socket;
    return socket;
  };

  document.addEventListener("htmx:wsConnecting", function () { show("connecting", "connecting…"); });
  document.addEventListener("htmx:wsOpen", function () {
    if (state.opened) resync();  // a reconnect: whatever happened meanwhile was not seen
    state.opened = true;
    showLive();
  });
  document.addEventListener("htmx:wsClose", function (evt) {
    var code = evt.detail.event.code;
    if (code === 4404) { show("offline", "cluster gone"); return; }
    show("offline", "offline · reconnecting");
    // The extension retries only after abnormal closes; any other close is retried here.
    if ([1006, 1011, 1012, 1013].indexOf(code) < 0 && !state.unloading) {
      setTimeout(function () { evt.detail.socketWrapper.reconnect(); }, htmx.config.wsReconnectDelay(0) + 200);
    }
  });
  window.addEventListener("beforeunload", function () { state.unloading = true; });

  document.addEventListener("htmx:wsBeforeMessage", function (evt) {
    var match = HEADER.exec(evt.detail.message);
    if (!match) return;
    var from = match[1] === undefined ? null : Number(match[1]);
    var seq = Number(match[2]), current = pageSeq();
    if (state.frozen) {
      if (seq > current) { state.behind += 1; showLive(); }
      evt.preventDefault();
    } else if (state.resyncing || seq <= current) {
      evt.preventDefault();  // nothing newer than what the page shows
    } else if (from === null || from > current) {
      evt.preventDefault();  // a gap, or a hello from a feed ahead of this page
      resync();
    }
  });
  document.addEventListener("htmx:wsAfterMessage", function () { trimTimeline(); showLive(); });

  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest("#freeze");
    if (!button) return;
    state.frozen = !state.frozen;
    button.setAttribute("aria-pressed", String(state.frozen));
    button.textContent = state.frozen ? "Release" : "Freeze";
    document.body.classList.toggle("frozen", state.frozen);
    if (!state.frozen && state.behind) resync();
    showLive();
  });
})();
