// Ticketing: the pages work without this script. It keeps the order countdown ticking, shows
// dates in the reader's own locale, and reloads a page when its ticket or order changes.
"use strict";

(function () {
  // Dates: the server writes UTC; show them in the reader's locale and time zone.
  document.querySelectorAll("time[data-local]").forEach(function (element) {
    var date = new Date(element.getAttribute("datetime"));
    if (!isNaN(date.getTime())) {
      element.textContent = date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    }
  });

  // The countdown counts from the seconds the server rendered (not the reader's clock, which
  // may be wrong). At zero the page reloads to show what became of the order, and again every
  // few seconds until the server has cancelled it.
  var countdown = document.getElementById("countdown");
  var shown = document.getElementById("time-left");
  if (countdown && shown) {
    var deadline = Date.now() + Number(countdown.getAttribute("data-seconds-left")) * 1000;
    var format = function (seconds) {
      var hours = Math.floor(seconds / 3600), minutes = Math.floor((seconds % 3600) / 60), rest = seconds % 60;
      var two = function (value) { return value < 10 ? "0" + value : String(value); };
      return hours > 0 ? hours + ":" + two(minutes) + ":" + two(rest) : minutes + ":" + two(rest);
    };
    var tick = function () {
      var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      shown.textContent = format(left);
      if (left === 0) {
        clearInterval(timer);
        shown.textContent = "0:00";
        setTimeout(function () { if (!leaving) { window.location.reload(); } }, 1500);
      }
    };
    var timer = setInterval(tick, 250);
    tick();
  }
  if (document.getElementById("time-up")) {
    setTimeout(function () { if (!leaving) { window.location.reload(); } }, 3000);
  }

  // Live state: the server sends "changed" when the ticket or order differs from this page.
  // With Stripe configured, the card goes to Stripe in its own frame; the form sends only the
  // token Stripe gives back.
  var payment = document.getElementById("stripe-payment");
  if (payment && window.Stripe) {
    var stripe = window.Stripe(payment.getAttribute("data-stripe-key"));
    var card = stripe.elements().create("card");
    card.mount("#card-element");
    payment.addEventListener("submit", function (event) {
      if (document.getElementById("token").value) { return; }
      event.preventDefault();
      stripe.createToken(card).then(function (result) {
        if (result.error) {
          var shown = document.getElementById("card-error") || document.createElement("p");
          shown.id = "card-error";
          shown.className = "error";
          shown.setAttribute("role", "alert");
          shown.textContent = result.error.message;
          document.getElementById("card-element").after(shown);
          leaving = false;
          return;
        }
        document.getElementById("token").value = result.token.id;
        payment.submit();
      });
    });
  }

  // Once a form is sent, the page is on its way out: a reload now would cancel the POST.
  var leaving = false;
  var live = document.body.getAttribute("data-live");
  var source = live && "EventSource" in window ? new EventSource(live) : null;
  if (source) {
    source.addEventListener("changed", function () {
      source.close();
      if (!leaving) { window.location.reload(); }
    });
  }
  document.addEventListener("submit", function () {
    leaving = true;
    if (source) { source.close(); }
  });
})();
