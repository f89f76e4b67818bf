// Live totals of the invoice and quotation forms, computed as the server computes them: each line is
// quantity × unit price in whole yen; the tax of each rate is computed once on the sum of its lines and
// rounded down (the Qualified Invoice rule). The page works without this script: "Check" computes the same
// on the server.
(function () {
  "use strict";
  var form = document.getElementById("invoice-form") || document.getElementById("quotation-form");
  var totals = document.getElementById("totals");
  if (!form || !totals) { return; }
  var rates = { S: 10, AA: 8, E: 0, O: null };
  // The words come from the page's message catalogue, in its language.
  var words = JSON.parse(totals.getAttribute("data-words"));
  function number(text) {
    var ascii = text.replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/[,，\s¥￥円]/g, "").replace("．", ".");
    if (ascii === "") { return null; }
    return /^-?\d+(\.\d+)?$/.test(ascii) ? Number(ascii) : NaN;
  }
  function yen(value) {
    return value.toLocaleString("ja-JP") + " 円";
  }
  function recompute() {
    var sums = {}, bad = false;
    form.querySelectorAll("tr[data-row]").forEach(function (row) {
      var i = row.getAttribute("data-row");
      var q = number(document.getElementById("l" + i + "_quantity").value);
      var p = number(document.getElementById("l" + i + "_price").value);
      var c = document.getElementById("l" + i + "_tax").value;
      var cell = row.querySelector("[data-amount]");
      if (q === null && p === null) { cell.textContent = ""; return; }
      if (isNaN(q) || isNaN(p) || q === null || p === null) { bad = true; cell.textContent = "—"; return; }
      var amount = Math.round(q * p * 100) / 100;
      cell.textContent = yen(amount);
      sums[c] = (sums[c] || 0) + amount;
    });
    var list = document.createElement("dl");
    list.className = "facts";
    var tax = 0, net = 0;
    ["S", "AA", "E", "O"].forEach(function (c) {
      if (sums[c] === undefined) { return; }
      net += sums[c];
      add(list, words[c], yen(sums[c]));
      if (rates[c]) {
        var t = Math.floor(sums[c] * rates[c] / 100);
        tax += t;
        add(list, words["tax" + c], yen(t));
      }
    });
    add(list, words.tax, yen(tax));
    add(list, words.payable, yen(net + tax));
    var old = totals.querySelector("dl, p.live");
    var pending = document.getElementById("totals-pending");
    if (pending) { pending.remove(); }
    if (bad) {
      var p = document.createElement("p");
      p.className = "live field-error";
      p.textContent = words.bad;
      if (old) { old.replaceWith(p); } else { totals.appendChild(p); }
      return;
    }
    if (old) { old.replaceWith(list); } else { totals.appendChild(list); }
  }
  function add(list, term, value) {
    var dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = term;
    dd.textContent = value;
    dd.className = "num";
    list.appendChild(dt);
    list.appendChild(dd);
  }
  form.addEventListener("input", recompute);
  form.addEventListener("change", recompute);
  recompute();
})();
