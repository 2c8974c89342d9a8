// Progressive enhancement for uploads: on a slow connection, say that a file is too big
// *before* spending minutes sending it. The server checks everything again; without this
// script the page works the same, only later.
(function () {
  var inputs = document.querySelectorAll("input[type=file][data-max-bytes]");
  Array.prototype.forEach.call(inputs, function (input) {
    var note = document.getElementById(input.id + "-too-big");
    var button = input.form && input.form.querySelector("button[formenctype='multipart/form-data']");
    if (!note || !button) return;
    button.addEventListener("click", function (event) {
      var max = Number(input.getAttribute("data-max-bytes"));
      var tooBig = Array.prototype.some.call(input.files || [], function (file) {
        return file.size > max;
      });
      note.hidden = !tooBig;
      if (tooBig) {
        event.preventDefault();
        input.focus();
      }
    });
  });
})();
