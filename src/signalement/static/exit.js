// Quick exit: leave for a neutral page and replace this page in the history,
// so the Back button does not bring it back. Works without this script too
// (the link still leaves), just without the history replacement.
(function () {
  var link = document.getElementById("quick-exit");
  if (!link) return;
  link.addEventListener("click", function (event) {
    event.preventDefault();
    window.location.replace(link.href);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.shiftKey) window.location.replace(link.href);
  });
})();
