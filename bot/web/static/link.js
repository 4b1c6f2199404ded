// A personal link's phone page (bot/web/link_view.py): each chosen photo goes up on its own request, so a refused or
// failed one never loses the others; each kept one is named in the form (a hidden "staged" field). Without this
// script the form's own file fields carry the photos. Plain ES5 with fetch, FormData and Promise: what the WeChat
// and WeCom in-app browsers have.
(function () {
  "use strict";
  function start() {
    var form = document.querySelector("form[data-upload]");
    if (!form || !window.fetch || !window.FormData) { return; }
    var url = form.getAttribute("data-upload");
    var csrf = form.querySelector("input[name=csrf]").value;
    var list = form.querySelector(".uploads");
    var queue = Promise.resolve();

    function line(text, kind) {
      var li = document.createElement("li");
      li.className = kind;
      li.textContent = text;
      list.appendChild(li);
      return li;
    }

    function send(file) {
      var li = line("正在上传“" + file.name + "”……", "busy");
      var body = new FormData();
      body.append("csrf", csrf);
      body.append("photo", file, file.name);
      return fetch(url, { method: "POST", body: body, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (answer) {
          li.textContent = answer.message;
          li.className = answer.ok ? "ok" : "bad";
          if (answer.ok) {
            var kept = document.createElement("input");
            kept.type = "hidden";
            kept.name = "staged";
            kept.value = answer.id;
            li.appendChild(kept);
          }
        })
        .catch(function () {
          li.textContent = "“" + file.name + "”上传失败（网络中断），请重新选择这张照片。";
          li.className = "bad";
        });
    }

    var inputs = form.querySelectorAll("input[type=file]");
    Array.prototype.forEach.call(inputs, function (input) {
      input.addEventListener("change", function () {
        var files = Array.prototype.slice.call(input.files || []);
        files.forEach(function (file) {
          queue = queue.then(function () { return send(file); });
        });
        queue.then(function () { input.value = ""; });  // sent already: the form does not carry them again
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
