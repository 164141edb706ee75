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
