// Quick exit, and what it leaves in this tab's history.
// Without this script the link still works: /exit makes the browser forget our cookies, cache and
// storage, so a page re-sent from the history opens nothing (reporter.visit). With it, Back after
// Quick exit does not come back to us at all:
// * our first page in this tab is replaced by the exit, so Back goes to the page before us;
//   the pages after it are only reachable with Forward, and each leaves again at once;
// * a page of ours shown by Back or Forward in a browser that no longer has our cookie
//   (data-visit="none") leaves at once, replacing itself.
(function () {
  var link = document.getElementById("quick-exit");
  if (!link) return;
  var EXITING = "quick-exit";
  var nav = window.navigation;

  function leaveHere() {
    try { sessionStorage.removeItem(EXITING); } catch (e) { /* storage may be off */ }
    window.location.replace(link.href);
  }

  function leave() {
    try {
      var first = nav && nav.currentEntry && nav.entries()[0];
      if (first && first.index < nav.currentEntry.index) {
        // Go back to our first entry of this tab (entries() lists only ours), then leave from there.
        sessionStorage.setItem(EXITING, "1");
        nav.traverseTo(first.key).finished.catch(leaveHere);
        return;
      }
    } catch (e) { /* no Navigation API: leave from here */ }
    leaveHere();
  }

  function arrived(restored) {
    var exiting = false;
    try { exiting = sessionStorage.getItem(EXITING) === "1"; } catch (e) { /* storage may be off */ }
    var entry = performance.getEntriesByType && performance.getEntriesByType("navigation")[0];
    var traversed = restored || (entry && entry.type === "back_forward");
    if (exiting || (traversed && document.body.getAttribute("data-visit") === "none")) {
      leaveHere();
    }
  }

  arrived(false);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) arrived(true);
  });
  link.addEventListener("click", function (event) {
    event.preventDefault();
    leave();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.shiftKey) leave();
  });
})();
