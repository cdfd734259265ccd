/* risk-map, parent page: say why a callback was refused (ui/auth.py answers 401/403 JSON).
 * Dash itself shows nothing when a callback request fails, so this wraps window.fetch: a refused
 * /_dash-update-component shows the server's bilingual message in a toast; a 401 (the login has
 * expired) goes back to the login page.
 */
(function () {
  "use strict";
  var realFetch = window.fetch;
  if (!realFetch) { return; }
  var timer = null;

  function toast(text) {
    var box = document.getElementById("riskmap-denied");
    if (!box) {
      box = document.createElement("div");
      box.id = "riskmap-denied";
      box.className = "riskmap-denied";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.textContent = text;  // text, never HTML
    box.style.display = "block";
    clearTimeout(timer);
    timer = setTimeout(function () { box.style.display = "none"; }, 8000);
  }

  window.fetch = function (input, init) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    return realFetch.apply(this, arguments).then(function (resp) {
      if ((resp.status === 401 || resp.status === 403 || resp.status === 413)
          && url.indexOf("_dash-update-component") !== -1) {
        resp.clone().json().then(function (body) {
          if (resp.status === 401) {
            window.location.assign("/login?next=" + encodeURIComponent(
              window.location.pathname + window.location.search));
            return;
          }
          toast((body && body.error) || ("HTTP " + resp.status));
        }, function () { toast("HTTP " + resp.status); });
      }
      return resp;
    });
  };
})();
