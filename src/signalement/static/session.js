// Warns a couple of minutes before the officer's session reaches its idle limit, and offers "Stay signed in"
// without leaving the page, so nothing typed is lost. No inline script (the CSP allows only our own files);
// the page states the time without JavaScript, and what is sent after the limit is kept sealed (typed_work).
(function () {
  "use strict";
  var note = document.getElementById("session-ends");
  var form = document.getElementById("keep-session");
  var text = document.getElementById("keep-session-text");
  if (!note || !form || !text || !window.fetch || !window.URLSearchParams) { return; }
  var button = form.querySelector("button");
  var WARN_SECONDS = 120;
  var timers = [];

  function show(which) {
    text.textContent = text.getAttribute("data-" + which);
    button.hidden = which === "ended";
    form.hidden = false;
  }

  function schedule(secondsLeft) {
    timers.forEach(clearTimeout);
    form.hidden = true;
    timers = [
      setTimeout(function () { show("ending"); }, Math.max(0, secondsLeft - WARN_SECONDS) * 1000),
      setTimeout(function () { show("ended"); }, Math.max(0, secondsLeft) * 1000)
    ];
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      redirect: "manual",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error("session ended"); }
      return response.json();
    }).then(function (left) {
      note.textContent = left.message;
      schedule(left.seconds_left);
    }).catch(function () { show("ended"); });
  });

  schedule(parseInt(note.getAttribute("data-seconds-left"), 10) || 0);
}());
