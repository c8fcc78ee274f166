// The board's columns refresh themselves: every few seconds the same view (same filters) is fetched
// from /board/fragment and swapped in. A gone session (401) reloads the page, which leads to sign-in.
(function () {
  "use strict";
  var box = document.getElementById("board-columns");
  if (!box || !window.fetch) {
    return;
  }
  var seconds = parseInt(box.getAttribute("data-refresh"), 10) || 10;

  function refresh() {
    fetch("/board/fragment" + window.location.search, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) {
          window.location.reload();
          return null;
        }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (typeof html === "string") {
          box.innerHTML = html;
        }
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }

  window.setInterval(refresh, seconds * 1000);
})();
